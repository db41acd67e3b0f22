export { BusinessTimeError, BusinessTimeErrorCode } from './errors';
export {
  addBusinessTime,
  addBusinessTimes,
  assertUsableCalendar,
  businessSecondsBetween,
  WEEKDAYS,
  type Calendar,
  type Interval,
  type MaintenanceWindow,
  type TimeWindow,
  type Weekday,
} from './calendar';
export {
  calendarSchema,
  parsePolicyDocument,
  policyDocumentSchema,
  resolvePolicy,
  slaPolicySchema,
  type EscalationSettings,
  type PolicyDocument,
  type PolicyParseResult,
  type ResolvedPolicy,
  type SlaPolicy,
} from './policy';
export { DEFAULT_POLICY_DOCUMENT, JP_PUBLIC_HOLIDAYS_2026_2027 } from './default-policy';
export {
  computeDeadlines,
  computeDeadlinesFor,
  recomputeOnPriorityChange,
  type ClockDeadline,
  type DeadlineRequest,
  type PriorityChangeResult,
  type SlaDeadlines,
} from './deadlines';
