import { createContext, createElement, useContext, type ReactNode } from 'react';
import type { Tether } from '../client';
import { TetherConfigError } from '../errors';

const TetherContext = createContext<Tether | null>(null);

/** Makes `client` the one the hooks below it use. It does not close the client: the app owns
 *  it (it usually lives as long as the signed-in session). */
export function TetherProvider(props: { client: Tether; children?: ReactNode }) {
  return createElement(TetherContext.Provider, { value: props.client }, props.children);
}

/** The client passed, else the nearest `TetherProvider`'s. */
export function useTether(client?: Tether): Tether {
  const provided = useContext(TetherContext);
  const chosen = client ?? provided;
  if (!chosen) {
    throw new TetherConfigError('no Tether client: render inside <TetherProvider client={...}> or pass one');
  }
  return chosen;
}
