-- Headless Neovim (0.7.2 API) drives `livedag serve` the way a user's config would (docs/lsp.md):
-- start the client, attach it to a Python buffer, wait for published diagnostics, ask for the
-- definition of the symbol under a position, and write what came back to a JSON file.
--
-- Environment: LIVEDAG_CMD (JSON list: the server command), LIVEDAG_ROOT (workspace folder),
-- LIVEDAG_FILE (file to open), LIVEDAG_LINE / LIVEDAG_CHARACTER (0-based position for the
-- definition request), LIVEDAG_OUT (where to write the JSON result).

local env = vim.env
local result = { diagnostics = nil, definition = nil, errors = {} }

local function finish()
  local file = io.open(env.LIVEDAG_OUT, "w")
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd("qall!")
end

local function run()
  local path = env.LIVEDAG_FILE
  local uri = vim.uri_from_fname(path)
  local client_id = vim.lsp.start_client({
    name = "livedag",
    cmd = vim.fn.json_decode(env.LIVEDAG_CMD),
    root_dir = env.LIVEDAG_ROOT,
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
        if params.uri == uri then
          result.diagnostics = params.diagnostics
        end
        vim.lsp.diagnostic.on_publish_diagnostics(err, params, ctx, config)
      end,
    },
    on_exit = function(code)
      if code ~= 0 then
        table.insert(result.errors, "server exited with " .. code)
      end
    end,
  })
  if not client_id then
    table.insert(result.errors, "vim.lsp.start_client failed")
    return finish()
  end

  vim.cmd("edit " .. vim.fn.fnameescape(path))
  vim.lsp.buf_attach_client(0, client_id)

  local got = vim.wait(30000, function() return result.diagnostics ~= nil end, 20)
  if not got then
    table.insert(result.errors, "no diagnostics published for " .. uri)
  end

  local params = {
    textDocument = { uri = uri },
    position = { line = tonumber(env.LIVEDAG_LINE), character = tonumber(env.LIVEDAG_CHARACTER) },
  }
  local responses, err = vim.lsp.buf_request_sync(0, "textDocument/definition", params, 30000)
  if err then
    table.insert(result.errors, "definition: " .. tostring(err))
  end
  for _, response in pairs(responses or {}) do
    if response.error then
      table.insert(result.errors, "definition: " .. vim.inspect(response.error))
    end
    result.definition = response.result
  end

  vim.lsp.stop_client(client_id)
  finish()
end

vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = function()
    local ok, message = pcall(run)
    if not ok then
      table.insert(result.errors, tostring(message))
      finish()
    end
  end,
})
