// A clock a test can move forward: the system clock plus an offset. Handed to the parts whose
// behaviour depends on elapsed time (token lifetimes), it lets a test pass an hour in a step,
// instead of sleeping until a deadline and hoping the machine kept up.
export class ManualClock {
  private offsetMs = 0;

  readonly now = (): number => Date.now() + this.offsetMs;

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
