// The proxy's own JSON API under /_fidelity/: health, config, faults, counters, reset.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateFaultRule, type FaultRuleInput } from './faults.js';
import type { MotoClient } from './moto-client.js';
import { handleCommandOutcomesControl } from './ssm-commands.js';
import type { FidelityState } from './state.js';

export const CONTROL_PREFIX = '/_fidelity/';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function badRequest(error: unknown): HttpError {
  return new HttpError(400, error instanceof Error ? error.message : String(error));
}

export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  state: FidelityState,
  moto: MotoClient,
): Promise<void> {
  const path = (req.url ?? '').split('?')[0]?.replace(/\/+$/, '') ?? '';
  const route = `${req.method ?? 'GET'} ${path.slice(CONTROL_PREFIX.length - 1)}`;
  try {
    switch (route) {
      case 'GET /health': {
        // 503 while moto is down, so that a stack script can wait on this one URL
        const reachable = await moto.reachable();
        return sendJson(res, reachable ? 200 : 503, {
          status: reachable ? 'ok' : 'moto unreachable',
          moto: { url: moto.motoUrl, reachable },
        });
      }
      case 'GET /config':
        return sendJson(res, 200, state.config());
      case 'PUT /config':
      case 'PATCH /config': {
        const patch = await readJson(req);
        try {
          return sendJson(res, 200, state.updateConfig(patch));
        } catch (error) {
          throw badRequest(error);
        }
      }
      case 'GET /faults':
        return sendJson(res, 200, { rules: state.faults.list() });
      case 'POST /faults': {
        const body = await readJson(req);
        const inputs = Array.isArray(body) ? body : [body];
        let valid: FaultRuleInput[];
        try {
          valid = inputs.map(validateFaultRule);
        } catch (error) {
          throw badRequest(error);
        }
        return sendJson(res, 201, { rules: valid.map((input) => state.faults.add(input)) });
      }
      case 'DELETE /faults':
        return sendJson(res, 200, { removed: state.faults.clear() });
      case 'GET /counters':
        return sendJson(res, 200, state.counters.snapshot());
      case 'POST /counters/reset':
        state.counters.reset();
        return sendJson(res, 200, { reset: true });
      case 'POST /reset': {
        // ?moto=false clears only the proxy's own state (moto may be shared with other runs)
        const resetMoto =
          new URL(req.url ?? '/', 'http://proxy').searchParams.get('moto') !== 'false';
        state.reset();
        if (resetMoto) await moto.reset();
        return sendJson(res, 200, { reset: true, moto: resetMoto ? 'reset' : 'untouched' });
      }
      default: {
        const faultId = /^DELETE \/faults\/([^/]+)$/.exec(route)?.[1];
        if (faultId) {
          if (!state.faults.remove(decodeURIComponent(faultId)))
            throw new HttpError(404, `no fault rule ${faultId}`);
          return sendJson(res, 200, { removed: 1 });
        }
        if (await handleCommandOutcomesControl(route, req, res, state)) return;
        throw new HttpError(404, `no control route ${route}; see tools/fidelity-proxy/README.md`);
      }
    }
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
  }
}
