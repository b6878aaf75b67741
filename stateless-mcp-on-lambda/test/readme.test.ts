/** The README quotes the entry's own lines; this keeps the quote true when the code moves. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const read = (path: string) => readFileSync(join(__dirname, '..', path), 'utf8');

describe('README', () => {
  it('quotes src/main.ts line for line', () => {
    const readme = read('README.md');
    const quote = /```ts\n\/\/ src\/main\.ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(quote).toBeDefined();
    const source = read('src/main.ts').split('\n');
    const missing = quote!.split('\n').filter((line) => line.trim() && !source.includes(line));
    expect(missing).toEqual([]);
  });
});
