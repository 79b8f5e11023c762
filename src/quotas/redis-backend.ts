/**
 * Quota counters in Redis, so that several Vigil nodes share one budget
 * (reference/relay-protocol.md §6.4). One Lua script evaluates every matching quota atomically:
 * Redis runs scripts one at a time, so no two nodes can both take the last unit.
 */
import type { CountedQuota, CounterBackend } from './limiter.js';

/** The part of a Redis client this backend uses (ioredis' `eval` has this shape). */
export interface RedisEval {
  eval(script: string, numKeys: number, ...args: Array<string | number>): Promise<unknown>;
}

/**
 * KEYS: counter and refund key per quota. ARGV: limit (-1 unlimited), key expiry (unix
 * seconds), quantity, over-accept-once flag ('1'/'0') per quota. Returns one 0/1 rejection flag
 * per quota; increments (and sets EXPIREAT on) every counter only when none rejects.
 */
const SCRIPT = `
local n = #KEYS / 2
local rejected = {}
local any = false
for i = 1, n do
  local limit = tonumber(ARGV[i * 4 - 3])
  local quantity = tonumber(ARGV[i * 4 - 1])
  local over_once = ARGV[i * 4] == '1'
  local flag = 0
  if limit >= 0 then
    local consumed = tonumber(redis.call('GET', KEYS[i * 2 - 1]) or 0) - tonumber(redis.call('GET', KEYS[i * 2]) or 0)
    if quantity == 0 or over_once then
      if consumed >= limit then flag = 1 end
    elseif consumed + quantity > limit then
      flag = 1
    end
  end
  if flag == 1 then any = true end
  rejected[i] = flag
end
if not any then
  for i = 1, n do
    local quantity = tonumber(ARGV[i * 4 - 1])
    if quantity > 0 then
      redis.call('INCRBY', KEYS[i * 2 - 1], quantity)
      redis.call('EXPIREAT', KEYS[i * 2 - 1], tonumber(ARGV[i * 4 - 2]))
    end
  end
end
return rejected
`;

/** Redis counters through `client` (a connected ioredis instance in the server). */
export class RedisCounterBackend implements CounterBackend {
  constructor(private readonly client: RedisEval) {}

  /**
   * @throws the client's error when Redis is unreachable or the script fails; the caller decides
   * whether to admit (fail open) or retry.
   */
  async consume(
    quotas: readonly CountedQuota[],
    quantity: number,
    overAcceptOnce: boolean,
  ): Promise<boolean[]> {
    const keys = quotas.flatMap((q) => [q.key, q.refundKey]);
    const args = quotas.flatMap((q) => [q.limit, q.keyExpiry, quantity, overAcceptOnce ? '1' : '0']);
    const result = await this.client.eval(SCRIPT, keys.length, ...keys, ...args);
    if (!Array.isArray(result) || result.length !== quotas.length) {
      throw new Error(`unexpected reply from the quota script: ${JSON.stringify(result)}`);
    }
    return result.map((flag) => Number(flag) === 1);
  }
}
