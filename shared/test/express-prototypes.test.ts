/**
 * `serve` has Node build each request and response on Express's prototypes, so that Express's
 * `Object.setPrototypeOf` of every request and response changes nothing. A changed prototype gives
 * the object a V8 hidden class of its own (about 0.8 KB), which an open SSE stream holds for its
 * life: `npm run bench -w stateful-mcp-on-ecs -- memory` shows it per GET stream.
 */
import express from 'express';

import { serve, type Serving } from '../src/http/serve';

describe('the objects serve hands Express', () => {
  let serving: Serving;
  const changed: string[] = [];
  const setPrototypeOf = Object.setPrototypeOf;

  beforeAll(async () => {
    const app = express();
    // Express's getters and methods: `req.path`, `req.query`, `res.json`.
    app.get('/probe', (req, res) => void res.json({ path: req.path, query: req.query }));
    serving = await serve(app, { port: 0, host: '127.0.0.1', deadlineMs: 1_000, log: () => {} });
    jest.spyOn(Object, 'setPrototypeOf').mockImplementation((target: object, prototype: object | null) => {
      if (Object.getPrototypeOf(target) !== prototype) changed.push(target.constructor?.name ?? typeof target);
      return setPrototypeOf(target, prototype);
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await serving?.shutdown();
  });

  it('are already built on its request and response prototypes, and still work as Express objects', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${serving.url}/probe?n=${i}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ path: '/probe', query: { n: String(i) } });
    }
    expect(changed).toEqual([]);
  });
});
