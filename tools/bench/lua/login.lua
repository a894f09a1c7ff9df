-- POST /users/login as the bench's reader: scrypt on every request, by design.
--   wrk -s login.lua http://host/users/login -- BODY_FILE
-- The JSON body is read from a file (mode 0600) so that the password is not in argv.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "common.lua")

local body
local headers = {["Content-Type"] = "application/json"}

function init(args)
   local file = assert(io.open(args[1]))
   body = file:read("*a")
   file:close()
end

function request()
   counts.issued = counts.issued + 1
   return wrk.format("POST", "/users/login", headers, body)
end
