import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';

import type { Config } from '../config';
import { JsonRpcCode, sendJsonRpcError } from './json-rpc-error';

/**
 * DNS-rebinding protection: `Host` must name this deployment, and a browser's `Origin`, when sent,
 * must too. Behind a load balancer the allow-list must hold the balancer's DNS name.
 * Framework-neutral: returns the 403 message, or undefined when the request may pass.
 */
export function hostAndOriginProblem({ allowedHosts, allowedOrigins }: Pick<Config, 'allowedHosts' | 'allowedOrigins'>) {
  const anyHost = allowedHosts.includes('*');
  const anyOrigin = allowedOrigins.includes('*');
  return (host: string | undefined, origin: string | undefined): string | undefined => {
    if (!anyHost) {
      const checked = validateHostHeader(host, allowedHosts);
      if (!checked.ok) return `Forbidden: ${checked.message}`;
    }
    if (!anyOrigin && origin !== undefined) {
      const checked = validateOriginHeader(origin, allowedOrigins);
      if (!checked.ok) return `Forbidden: ${checked.message}`;
    }
    return undefined;
  };
}

/** The Express middleware form of `hostAndOriginProblem`. */
export function hostAndOriginGuard(config: Pick<Config, 'allowedHosts' | 'allowedOrigins'>) {
  const problem = hostAndOriginProblem(config);
  return (req: Request, res: Response, next: NextFunction): void => {
    const message = problem(req.headers.host, req.headers.origin);
    if (message) return sendJsonRpcError(res, 403, JsonRpcCode.ServerError, message);
    next();
  };
}
