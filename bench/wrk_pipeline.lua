-- wrk script for `make bench`'s 426-pipelined scenario (bench/refserver_vs_nginx.py): every write carries
-- DEPTH pipelined copies of the request (RFC 9112 §9.3.2), and wrk counts every response.
-- usage: wrk ... -s bench/wrk_pipeline.lua URL -- DEPTH
init = function(args)
  local depth = tonumber(args[1] or "16")
  if depth == nil or depth < 1 or depth > 256 then
    error("wrk_pipeline.lua: DEPTH must be 1..256")
  end
  local copies = {}
  for i = 1, depth do
    copies[i] = wrk.format(nil, wrk.path)
  end
  req = table.concat(copies)
end

request = function()
  return req
end
