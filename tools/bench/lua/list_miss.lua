-- GET /books with a query no other request of the bench used, so the app's answer cache
-- cannot hold it: a cache miss, the database read and the cache store, every time.
--
-- The queries are the ~180k combinations of page 1..500, per_page 10..29, six sorts and
-- available absent/true/false, numbered 0..N-1 and visited in a scrambled order (index times a
-- stride prime to N, modulo N) so that neighbours differ in every parameter. tools/bench starts
-- each bench at a random index and each wrk run where the last one stopped; wrk thread t of T
-- takes the indices start + t, start + t + T, ... so no two threads ever send the same one.
--
--   wrk -s list_miss.lua http://host/books -- START THREADS
-- The response() counts X-Cache HIT/MISS (common.lua): the report shows the miss fraction.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local SORTS = {"id", "-id", "title", "-title", "published_year", "-published_year"}
local AVAILABLE = {"", "&available=true", "&available=false"}
local PAGES, PER_PAGES = 500, 20
local N = PAGES * PER_PAGES * #SORTS * #AVAILABLE   -- 180 000
local STRIDE = 7919                                  -- a prime not dividing N

local next_index, step

function init(args)
   next_index = tonumber(args[1]) + thread_index
   step = tonumber(args[2])
end

function request()
   local p = (next_index * STRIDE) % N
   next_index = next_index + step
   counts.issued = counts.issued + 1
   local page = p % PAGES + 1
   p = math.floor(p / PAGES)
   local per_page = p % PER_PAGES + 10
   p = math.floor(p / PER_PAGES)
   local sort = SORTS[p % #SORTS + 1]
   p = math.floor(p / #SORTS)
   local path = string.format("/books?page=%d&per_page=%d&sort=%s%s",
                              page, per_page, sort, AVAILABLE[p % #AVAILABLE + 1])
   return wrk.format(nil, path)
end
