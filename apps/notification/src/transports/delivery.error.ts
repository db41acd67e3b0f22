/** A failed send. `permanent`: retrying cannot help (4xx, 5xx SMTP reply, invalid address). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
