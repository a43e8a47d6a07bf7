/** A running local stand-in for one AWS service, reachable at `endpoint` on the loopback interface. */
export interface Emulator {
  name: string;
  endpoint: string;
  port: number;
  /** Where the emulator's own output goes (absent when nothing was started, e.g. an external endpoint). */
  logFile?: string;
  /** The emulator's process (absent when nothing was started). */
  pid?: number;
  /** Milliseconds from spawn to the first successful health check. */
  startMs?: number;
  stop(): Promise<void>;
}
