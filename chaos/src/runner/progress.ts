/**
 * One status line while a run goes on: rewritten in place on a terminal, one line every 10 s
 * otherwise (CI logs). Goes to stderr so stdout stays for results.
 */
export class Progress {
  private lastPlain = 0;
  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  status(text: string): void {
    if (this.quiet) return;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${text}`);
    } else if (Date.now() - this.lastPlain >= 10_000) {
      this.lastPlain = Date.now();
      this.out.write(`${text}\n`);
    }
  }

  line(text: string): void {
    if (this.quiet) return;
    this.out.write(`${this.out.isTTY ? '\r\x1b[2K' : ''}${text}\n`);
  }
}
