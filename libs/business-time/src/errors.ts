/** Why a business-time computation was refused; callers map codes, not message text. */
export const BusinessTimeErrorCode = {
  InvalidCalendar: 'invalid_calendar',
  NoBusinessTime: 'no_business_time',
  InvalidArgument: 'invalid_argument',
  PolicyNotFound: 'policy_not_found',
} as const;
export type BusinessTimeErrorCode = (typeof BusinessTimeErrorCode)[keyof typeof BusinessTimeErrorCode];

export class BusinessTimeError extends Error {
  constructor(
    readonly code: BusinessTimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BusinessTimeError';
  }
}
