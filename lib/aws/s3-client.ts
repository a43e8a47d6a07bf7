import { S3Client } from "@aws-sdk/client-s3";
import { clientSettings, type ClientOptions } from "./client-settings.js";

/** The S3 client (on-failure destination); path-style, as the emulators need. Settings: client-settings.ts. */
export const s3Client = (o: ClientOptions = {}) =>
  new S3Client({ ...clientSettings(o, "S3"), forcePathStyle: true });
