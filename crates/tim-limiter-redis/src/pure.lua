
-- The arithmetic alone, for tests: ARGV: tat_us ('' for none), now_us, interval_us,
-- tolerance_us, max_wait_us. No keys, no writes.
local tat = nil
if ARGV[1] ~= '' then
  tat = tonumber(ARGV[1])
end
return gcra_reserve(tat, tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
