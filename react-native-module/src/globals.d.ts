// The timer functions every host this package runs on provides (Hermes in React Native, Node
// in the tests). Declared here because the library is type-checked without DOM or Node types,
// so that any other host API used by mistake fails the check.
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
