/** The kafkajs client of the process. */
export const KAFKA = Symbol('KAFKA');
