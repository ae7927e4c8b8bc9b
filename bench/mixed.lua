-- The public read path as viewers and embeds hit it: snapshot, timeline, embed page in turn.
local paths = {}
local i = 0
init = function(args)
  paths = { args[1], args[2], args[3] }
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % 3) + 1], { ["Accept-Encoding"] = "gzip" })
end
