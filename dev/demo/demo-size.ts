/**
 * How many records the demo publishes unless told (about a second of kinesis-mock). Its own module so that
 * `kjp demo --help` can show it without loading the demo.
 */
export const DEFAULT_DEMO_MESSAGES = 500;
