export {
  CLASSIFIER_VERSION,
  classifyFollowUp,
  createClassifier,
  type Classification,
  type Classifier,
  type ClassifierInput,
  type ClassifierOptions,
  type Confidence,
  type LabelledInquiry,
} from './classifier';
export { extractEntities, parseNumber, type Entities } from './entities';
export { detectLanguage, type LanguageGuess } from './language';
export { ArticleIndex, type HelpArticle, type SuggestedArticle } from './articles/article-index';
export { defaultClassifier, classify } from './default-classifier';
