import { processContactUpserted } from "./contact-upserted.js";
import { processDealStageChanged } from "./deal-stage-changed.js";
import { processNoteAdded } from "./note-added.js";
import type { Processor, ProcessorRegistry } from "../lib/effects/processor.js";

/** Processors by message type. Each sees the latest version of its type's data (the registry upcasts). */
export function createProcessorRegistry(): ProcessorRegistry {
  return new Map<string, Processor>([
    ["contact.upserted", processContactUpserted],
    ["deal.stage_changed", processDealStageChanged],
    ["note.added", processNoteAdded],
  ]);
}
