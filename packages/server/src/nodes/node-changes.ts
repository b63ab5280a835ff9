/** A node that registered or whose tags changed, told after the change is committed (State Manager applies its associations). */
export interface NodeChange {
  readonly accountId: string;
  readonly region: string;
  readonly instanceId: string;
  readonly reason: 'registered' | 'tags';
}

export type NodeChangeListener = (change: NodeChange) => void;

/** In process: another replica's changes are caught by the listeners' own reconcile passes. */
export class NodeChanges {
  private readonly listeners = new Set<NodeChangeListener>();

  on(listener: NodeChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: NodeChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the change is committed either way.
      }
    }
  }
}
