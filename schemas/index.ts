import { contactUpsertedV1 } from "./contact-upserted.v1.js";
import { contactUpsertedV2 } from "./contact-upserted.v2.js";
import { dealStageChangedV1 } from "./deal-stage-changed.v1.js";
import { noteAddedV1 } from "./note-added.v1.js";
import { SchemaRegistry } from "./registry.js";

/** Every message type and version this pipeline understands. */
export function createRegistry(): SchemaRegistry {
  return new SchemaRegistry()
    .register(contactUpsertedV1)
    .register(contactUpsertedV2)
    .register(dealStageChangedV1)
    .register(noteAddedV1);
}

export const registry: SchemaRegistry = createRegistry();
