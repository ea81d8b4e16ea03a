// Host elements the hook tests render into react-test-renderer's tree; the renderer accepts any
// element name, TypeScript needs them named.
import 'react';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      list: object;
      row: { key?: string; id: string; progress: number };
      detail: { status?: string; progress?: number };
      missing: object;
      banner: { phase: string };
      parent: { count: number; children?: React.ReactNode };
    }
  }
}
