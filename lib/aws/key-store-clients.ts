import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { clientSettings, type ClientOptions } from "./client-settings.js";

/**
 * Clients of the stores a key set can live in, in a module of their own like every client, so a consumer whose
 * keys come from a file or the environment never loads them: lib/envelope/keysets imports this module only when
 * a key set source names SSM or Secrets Manager (each SDK client costs several ms of cold-start CPU).
 */
export const ssmClient = (o: ClientOptions = {}) => new SSMClient(clientSettings(o, "SSM"));
export const secretsClient = (o: ClientOptions = {}) =>
  new SecretsManagerClient(clientSettings(o, "SECRETS_MANAGER"));
