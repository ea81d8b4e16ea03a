import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, test } from 'node:test';
import { Component, useState, type ReactNode } from 'react';
import { create, type ReactTestRenderer } from 'react-test-renderer';
import {
  TetherConfigError,
  TetherProvider,
  useConnectionState,
  useTetherEntity,
  useTetherList,
  type ConnectionState,
  type ListSnapshot,
  type Tether,
} from '../../src';
import { ACTIVE, Events, openClient, SESSIONS, type Session } from './support/sessions';
import { SseServer } from './support/sse-server';
import { snapshotWhere, until } from './support/wait';

/** What each render of a probe component saw, in order; waiters wake on every render. */
class Renders<T> {
  readonly seen: T[] = [];
  private readonly rendered = new EventEmitter();

  record(value: T): void {
    this.seen.push(value);
    // After React commits; waking waiters inside render would be a side effect of render.
    setImmediate(() => this.rendered.emit('render'));
  }

  get last(): T | undefined {
    return this.seen.at(-1);
  }

  /** The first render whose value satisfies `predicate` (a value may be `undefined`). */
  until(predicate: (value: T, index: number) => boolean, what: string): Promise<T> {
    return until(
      () => {
        const index = this.seen.findIndex(predicate);
        return index >= 0 ? { value: this.seen[index] as T } : undefined;
      },
      (wake) => {
        this.rendered.on('render', wake);
        return () => this.rendered.off('render', wake);
      },
      what,
    ).then(({ value }) => value);
  }
}

let server: SseServer;
let events: Events;
let tether: Tether;
let renderer: ReactTestRenderer | undefined;
let reactErrors: string[];
const consoleError = console.error;

beforeEach(async () => {
  server = await SseServer.start();
  events = new Events();
  tether = openClient(server.url);
  reactErrors = [];
  console.error = (...args: unknown[]) => {
    const message = args.map(String).join(' ');
    // The renderer's own deprecation notice is not about the code under test.
    if (!message.includes('react-test-renderer is deprecated')) reactErrors.push(message);
  };
});

afterEach(async () => {
  renderer?.unmount();
  renderer = undefined;
  console.error = consoleError;
  tether.close();
  await server.close();
  assert.deepEqual(reactErrors, [], 'React reported no warning or error');
});

function SessionList({ renders }: { renders: Renders<ListSnapshot<Session>> }) {
  const list = useTetherList<Session>(SESSIONS);
  renders.record(list);
  return (
    <list>
      {list.items.map(({ id, value }) => (
        <row key={id} id={id} progress={value.progress ?? 0} />
      ))}
    </list>
  );
}

function SessionDetail({ id, renders }: { id: string; renders: Renders<Session | undefined> }) {
  const session = useTetherEntity<Session>('session', id);
  renders.record(session);
  return session ? <detail status={session.status} progress={session.progress} /> : <missing />;
}

function Banner({ renders }: { renders: Renders<ConnectionState> }) {
  const state = useConnectionState();
  renders.record(state);
  return <banner phase={state.phase} />;
}

const mount = (element: React.ReactElement) => {
  // Strict mode subscribes, unsubscribes and subscribes again: the stores must survive it.
  // (The option is missing from the renderer's type definitions.)
  const options = { unstable_strictMode: true } as unknown as Parameters<typeof create>[1];
  renderer = create(<TetherProvider client={tether}>{element}</TetherProvider>, options);
  return renderer;
};

test('useTetherList renders each batch the core delivers', async () => {
  const renders = new Renders<ListSnapshot<Session>>();
  const tree = mount(<SessionList renders={renders} />);
  server.publish(events.created('s-2'));
  server.publish(events.created('s-1'));
  await renders.until((list) => list.items.length === 2, 'two rows');
  server.publish(events.updated('s-1', { progress: 40 }));
  await renders.until((list) => list.items[0]?.value.progress === 40, 'the progress');
  const rows = tree.root.findAll((node) => (node.type as unknown) === 'row');
  assert.deepEqual(
    rows.map((row) => [row.props.id, row.props.progress]),
    [
      ['s-1', 40],
      ['s-2', 0],
    ],
  );
});

test('useTetherEntity renders an entity, its merge and its delete', async () => {
  const renders = new Renders<Session | undefined>();
  mount(<SessionDetail id="s-1" renders={renders} />);
  await renders.until(() => true, 'the first render');
  assert.equal(renders.seen[0], undefined, 'absent at first');
  server.publish(events.created('s-1'));
  await renders.until((s) => s?.status === 'active', 'the session');
  server.publish(events.completed('s-1', { progress: 100 }));
  const done = await renders.until((s) => s?.status === 'completed', 'the completion');
  assert.equal(done?.progress, 100);
  assert.equal(done?.userId, 'user-1', 'fields the update did not name are kept');
  server.publish(events.deleted('s-1'));
  const before = renders.seen.length;
  await renders.until((s, index) => index >= before && s === undefined, 'the delete');
});

test('useConnectionState follows the connection to open and to closed', async () => {
  const renders = new Renders<ConnectionState>();
  mount(<Banner renders={renders} />);
  await renders.until((s) => s.phase === 'open', 'open');
  tether.close();
  await renders.until((s) => s.phase === 'closed', 'closed');
});

test('a snapshot is the same object on every render until the core changes it', async () => {
  const renders = new Renders<ListSnapshot<Session>>();
  let rerender: () => void = () => {};
  function Parent() {
    const [count, setCount] = useState(0);
    rerender = () => setCount(count + 1);
    return (
      <parent count={count}>
        <SessionList renders={renders} />
      </parent>
    );
  }
  mount(<Parent />);
  server.publish(events.created('s-1'));
  server.publish(events.created('s-2'));
  const ready = await renders.until((list) => list.items.length === 2, 'two rows');
  const rendersBefore = renders.seen.length;
  rerender();
  await renders.until(() => renders.seen.length > rendersBefore, 'the parent re-render');
  assert.equal(renders.last, ready, 'a render without a core change reads the same snapshot');

  server.publish(events.updated('s-2', { progress: 5 }));
  const next = await renders.until((list) => list.items[1]?.value.progress === 5, 'the update');
  assert.equal(next.items[0]!.value, ready.items[0]!.value, 'the untouched row keeps its value');
});

test('data the core received before a component mounted is in its first render', async () => {
  // The core gets the events while no component is mounted (another view shows when).
  for (const id of ['s-1', 's-2', 's-3']) server.publish(events.created(id));
  await snapshotWhere(tether.list<Session>(ACTIVE), (s) => s.items.length === 3, 'the events in the core');

  const entity = new Renders<Session | undefined>();
  const list = new Renders<ListSnapshot<Session>>();
  mount(
    <>
      <SessionDetail id="s-2" renders={entity} />
      <SessionList renders={list} />
    </>,
  );
  await entity.until(() => true, 'the first render');
  assert.equal(entity.seen[0]?.sessionId, 's-2', 'the entity renders on the first render');
  await list.until(() => true, 'the first render');
  assert.equal(list.seen[0]?.items.length, 3, 'the whole list on the first render: no loading state');
});

/** Records what a child threw while rendering, as an app's error boundary would show it. */
class Boundary extends Component<{ onError: (error: unknown) => void; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: unknown) {
    this.props.onError(error);
  }
  override render() {
    return this.state.failed ? null : this.props.children;
  }
}

test('a hook needs a client, from TetherProvider or passed to it', async () => {
  function Orphan() {
    useConnectionState();
    return null;
  }
  let caught: unknown;
  const woke = new EventEmitter();
  renderer = create(
    <Boundary onError={(error) => { caught = error; woke.emit('caught'); }}>
      <Orphan />
    </Boundary>,
  );
  await until(() => caught, (wake) => { woke.on('caught', wake); return () => woke.off('caught', wake); }, 'the error');
  assert.ok(caught instanceof TetherConfigError, String(caught));
  // React logs the error a boundary caught; that log is this test's expectation, not a fault.
  reactErrors.length = 0;
  renderer.unmount();

  const renders = new Renders<ConnectionState>();
  function Explicit() {
    const state = useConnectionState(tether);
    renders.record(state);
    return null;
  }
  renderer = create(<Explicit />);
  await renders.until((state) => state.phase === 'open', 'the passed client');
});
