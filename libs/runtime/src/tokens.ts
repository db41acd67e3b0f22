/** Injection token of the validated service configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');
