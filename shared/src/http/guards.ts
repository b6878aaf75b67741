import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { NextFunction, Request, Response } from 'express';

import type { Config } from '../config';
import { JsonRpcCode, sendJsonRpcError } from './json-rpc-error';

/**
 * DNS-rebinding protection: `Host` must name this deployment, and a browser's `Origin`, when sent,
 * must too. Behind a load balancer the allow-list must hold the balancer's DNS name.
 */
export function hostAndOriginGuard({ allowedHosts, allowedOrigins }: Pick<Config, 'allowedHosts' | 'allowedOrigins'>) {
  const anyHost = allowedHosts.includes('*');
  const anyOrigin = allowedOrigins.includes('*');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!anyHost) {
      const host = validateHostHeader(req.headers.host, allowedHosts);
      if (!host.ok) return sendJsonRpcError(res, 403, JsonRpcCode.ServerError, `Forbidden: ${host.message}`);
    }
    if (!anyOrigin && req.headers.origin !== undefined) {
      const origin = validateOriginHeader(req.headers.origin, allowedOrigins);
      if (!origin.ok) return sendJsonRpcError(res, 403, JsonRpcCode.ServerError, `Forbidden: ${origin.message}`);
    }
    next();
  };
}
