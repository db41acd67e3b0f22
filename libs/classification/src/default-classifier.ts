import { createClassifier, type Classification, type Classifier, type ClassifierInput } from './classifier';

let instance: Classifier | undefined;

/** One shared classifier with default options, built on first use (training takes ~100 ms). */
export function defaultClassifier(): Classifier {
  instance ??= createClassifier();
  return instance;
}

export function classify(input: ClassifierInput): Classification {
  return defaultClassifier().classify(input);
}
