
-- One reservation. KEYS[1]: the bucket's key. ARGV: interval_us, tolerance_us, max_wait_us.
-- The Redis server's clock is the only clock. Returns {granted, wait_us, new_tat_us, now_us}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = nil
local stored = redis.call('GET', KEYS[1])
if stored then
  tat = tonumber(stored)
end
local r = gcra_reserve(tat, now, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
if r[1] == 1 then
  -- Kept until a second after the TAT has passed (then a missing key means the same as a past
  -- TAT); the second covers rounding and a server stalled between TIME and SET.
  local ttl_ms = math.floor((r[3] - now) / 1000) + 1000
  redis.call('SET', KEYS[1], string.format('%d', r[3]), 'PX', string.format('%d', ttl_ms))
end
return {r[1], r[2], r[3], now}
