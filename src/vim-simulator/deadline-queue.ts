// Items ordered by deadline (a binary min-heap). The simulator asks "is anything due?" on
// every request; with thousands of stacks that must cost a peek, not a scan of every stack.
export interface Scheduled<T> {
  at: number;
  item: T;
}

export class DeadlineQueue<T> {
  private readonly heap: Scheduled<T>[] = [];

  push(at: number, item: T): void {
    this.heap.push({ at, item });
    this.siftUp(this.heap.length - 1);
  }

  /** The earliest entry, left in place. */
  peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest entry. */
  pop(): Scheduled<T> | undefined {
    const first = this.heap[0];
    const last = this.heap.pop();
    if (first === undefined || last === undefined || this.heap.length === 0) return first;
    this.heap[0] = last;
    this.siftDown(0);
    return first;
  }

  private siftUp(index: number): void {
    for (let child = index; child > 0;) {
      const parent = (child - 1) >> 1;
      if (!this.earlier(child, parent)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(index: number): void {
    for (let parent = index; ;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let earliest = parent;
      if (left < this.heap.length && this.earlier(left, earliest)) earliest = left;
      if (right < this.heap.length && this.earlier(right, earliest)) earliest = right;
      if (earliest === parent) return;
      this.swap(parent, earliest);
      parent = earliest;
    }
  }

  private earlier(a: number, b: number): boolean {
    return (this.heap[a]?.at ?? Infinity) < (this.heap[b]?.at ?? Infinity);
  }

  private swap(a: number, b: number): void {
    const first = this.heap[a];
    const second = this.heap[b];
    if (first === undefined || second === undefined) return;
    this.heap[a] = second;
    this.heap[b] = first;
  }
}
