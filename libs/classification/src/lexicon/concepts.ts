/**
 * Rubric concepts the lexicons recognise. Category and priority are decided from which concepts an
 * inquiry mentions (rules.ts), so adding a language means adding terms, never new rules.
 */
export const CONCEPTS = [
  // security
  'unauthorized',
  'hacked',
  'phishing',
  'credentialsGiven',
  'nothingEntered',
  'simSwap',
  'apiKeyLeak',
  'loginAlert',
  'deviceStolen',
  'notCompromised',
  // account
  'login',
  'cannotLogin',
  'password',
  'twoFa',
  'lostDevice',
  'accountLocked',
  'closeAccount',
  'subAccount',
  'vip',
  'profileChange',
  'registration',
  // trading
  'order',
  'futures',
  'liquidation',
  'fill',
  'convert',
  'p2p',
  'tradingFee',
  'tradeHistory',
  // deposit & withdrawal
  'deposit',
  'withdrawal',
  'notCredited',
  'wrongNetwork',
  'memoTag',
  'bankFiat',
  'limit',
  'network',
  // technical
  'api',
  'websocket',
  'appCrash',
  'webError',
  'uiBug',
  // text hard to read or see: a display flaw, not a feature wish
  'displayFlaw',
  'pushNotification',
  'platform',
  'outage',
  // compliance
  'kyc',
  'documents',
  'sourceOfFunds',
  'restrictedRegion',
  'complianceReview',
  'tax',
  // a bare "verification" (verificación, vérification, verifikasi, xác minh): identity verification
  // unless the text is about a 2FA or e-mail code (registry.ts resolves it to `kyc` or nothing)
  'verification',
  // other
  'partnership',
  'listing',
  'press',
  'praise',
  'featureRequest',
  'supportComplaint',
  'campaign',
  'companyInfo',
  'privacyRequest',
  // priority cues
  'urgentWord',
  'fundsAtStake',
  'cannotAct',
  'losingMoney',
  'stuck',
  'failed',
  'frozen',
  'duration',
  'howTo',
  'chargedTwice',
  'emptyAccount',
  'noLoss',
  'losingNow',
  'unfreezeRequest',
  'discrepancy',
  'charged',
  'compensation',
  'ownRecord',
  'malfunction',
  'ownEvent',
  'stopRequest',
  'minorNote',
  'settingIgnored',
] as const;
export type Concept = (typeof CONCEPTS)[number];

/**
 * Terms per concept. A term with CJK or Hangul characters matches anywhere; a Latin/Cyrillic term
 * matches at the start of a word (so stems like "withdraw" cover "withdrawals"); a term prefixed
 * with "=" must be a whole word; a term prefixed with "re:" is a regular expression.
 */
export type Lexicon = Partial<Record<Concept, readonly string[]>>;
