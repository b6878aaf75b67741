/** Cold-start floor 3: floor 2 behind hono/aws-lambda, which turns the API Gateway event into the `Request`. */
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

import { mcp } from './sdk';

export const handler = handle(new Hono().all('/mcp', (c) => mcp.fetch(c.req.raw)));
