-- Borrow and return, each one request: every (user, book) pair cycles POST /loans
-- {"book_id": B} -> POST /loans/{id}/return -> POST /loans ... with the user's own token.
--
--   wrk -s borrow_return.lua http://host/loans -- PAIRS_FILE THREADS
-- PAIRS_FILE: one line per pair, "token book_id loan_id" (loan_id 0: no active loan), written
-- by tools/bench from the database before each run. wrk thread t of T takes lines t, t+T, ...
-- (disjoint slices: no two requests of one pair are ever in flight).
--
-- wrk does not say which connection an answer belongs to, so a pair is marked in flight when
-- request() sends it and found again in response() by the loan's "book_id" (book ids are
-- unique per pair); "returned_at" tells whether the answer left the loan active. An answer
-- without a loan (an error) leaves its pair in flight for the rest of the run; it counts as
-- an error all the same (common.lua), and tools/bench marks the scenario FAILED.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local mine = {}      -- this thread's pairs: {headers, book, loan, busy}
local by_book = {}
local cursor = 0

function init(args)
   local step, n = tonumber(args[2]), 0
   for line in io.lines(args[1]) do
      if n % step == thread_index then
         local token, book, loan = line:match("^(%S+) (%d+) (%d+)$")
         local pair = {
            book = tonumber(book),
            loan = loan ~= "0" and loan or nil,
            busy = false,
            headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
         }
         pair.body = string.format('{"book_id": %d}', pair.book)
         table.insert(mine, pair)
         by_book[pair.book] = pair
      end
      n = n + 1
   end
   assert(#mine > 0, "borrow_return.lua: no pairs for this thread")
end

function request()
   -- round robin from the last pair sent, the next one not in flight
   for _ = 1, #mine do
      cursor = cursor % #mine + 1
      local pair = mine[cursor]
      if not pair.busy then
         pair.busy = true
         counts.issued = counts.issued + 1
         if pair.loan then
            return wrk.format("POST", "/loans/" .. pair.loan .. "/return", pair.headers, "")
         end
         return wrk.format("POST", "/loans", pair.headers, pair.body)
      end
   end
   -- every pair in flight: only after lost answers (errors). Send a request bound to fail
   -- (as an error, never as a success) rather than stall the connection.
   counts.issued = counts.issued + 1
   return wrk.format("POST", "/loans/0/return", mine[1].headers, "")
end

function response(status, headers, body)
   count(status, headers)
   local pair = by_book[tonumber(body:match('"book_id":(%d+)') or -1)]
   if pair == nil then
      counts.unmatched = counts.unmatched + 1
      return
   end
   pair.busy = false
   if status >= 200 and status < 300 then
      if body:find('"returned_at":null', 1, true) then
         pair.loan = body:match('^{"id":(%d+)')
      else
         pair.loan = nil
      end
   end
end
