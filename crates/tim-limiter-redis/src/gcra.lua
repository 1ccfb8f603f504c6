-- tim_proto::rate::gcra_reserve, line for line, in integer microseconds (exact in doubles
-- below 2^53). Returns {granted (1 or 0), wait_us, new_tat_us (0 when refused)}.
local function gcra_reserve(tat, now, interval, tolerance, max_wait)
  local slot = now
  if tat ~= nil and tat > now then
    slot = tat
  end
  local wait = slot - now - tolerance
  if wait < 0 then
    wait = 0
  end
  if wait > max_wait then
    return {0, wait, 0}
  end
  return {1, wait, slot + interval}
end
