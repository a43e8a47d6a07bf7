import { accountPipelineHandlerFromEnv } from "./wiring/http.js";

/** `GET /accounts/{id}/pipeline` (lib/http/account-pipeline.ts): the caller's account's projections. */
export const handler = accountPipelineHandlerFromEnv(process.env);
