-- Headless Neovim (0.7.2 API) uses livedag's editor features through Neovim's own functions, as
-- the mappings in docs/lsp.md do: completion through `vim.lsp.omnifunc`, `vim.lsp.buf.rename`,
-- `vim.lsp.buf.code_action` (its menu answered with the first entry) and
-- `vim.lsp.buf.incoming_calls` (which fills the quickfix list).  What came back is written to JSON.
--
-- Environment: LIVEDAG_CMD (JSON list), LIVEDAG_ROOT, LIVEDAG_OUT (JSON result file).

local env = vim.env
local result = { errors = {} }
local diagnostics = {}

local function finish()
  local file = io.open(env.LIVEDAG_OUT, "w")
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd("qall!")
end

local function find(pattern)
  -- (line, column) 1-based / 0-based of the first line of the buffer containing `pattern`.
  for i, text in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local at = string.find(text, pattern, 1, true)
    if at then return i, at - 1 end
  end
  error("not in the buffer: " .. pattern)
end

local function open(name, client_id)
  vim.cmd("edit " .. vim.fn.fnameescape(env.LIVEDAG_ROOT .. "/" .. name))
  vim.lsp.buf_attach_client(0, client_id)
  local uri = vim.uri_from_bufnr(0)
  if not vim.wait(30000, function() return diagnostics[uri] ~= nil end, 20) then
    table.insert(result.errors, "no diagnostics for " .. name)
  end
  return uri
end

local function run()
  local client_id = vim.lsp.start_client({
    name = "livedag",
    cmd = vim.fn.json_decode(env.LIVEDAG_CMD),
    root_dir = env.LIVEDAG_ROOT,
    handlers = {
      ["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
        diagnostics[params.uri] = params.diagnostics
        vim.lsp.diagnostic.on_publish_diagnostics(err, params, ctx, config)
      end,
    },
  })
  if not client_id then
    table.insert(result.errors, "vim.lsp.start_client failed")
    return finish()
  end
  vim.ui.select = function(items, _, on_choice) on_choice(items[1], 1) end

  -- Completion: omnifunc on "def churn(age_n", as <C-x><C-o> would run it in insert mode.
  local model_uri = open("model.py", client_id)
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { "", "", "def churn(age_n" })
  local last = vim.api.nvim_buf_line_count(0)
  vim.api.nvim_win_set_cursor(0, { last, #"def churn(age_n" })
  local real_mode, real_complete = vim.fn.mode, vim.fn.complete
  vim.fn.mode = function() return "i" end
  vim.fn.complete = function(_, items) result.completion = items end
  -- Neovim 0.7's omnifunc sends the request on its first call and calls complete() itself.
  vim.lsp.omnifunc(1, "")
  vim.wait(10000, function() return result.completion ~= nil end, 20)
  vim.fn.mode, vim.fn.complete = real_mode, real_complete
  vim.cmd("undo")

  -- Quick fix: a typo in model.py, fixed with the first code action.
  local line, column = find("age_normalized: pd.Series")
  vim.api.nvim_buf_set_text(0, line - 1, column, line - 1, column + #"age_normalized",
    { "age_normalised" })
  vim.wait(10000, function()
    for _, d in ipairs(diagnostics[model_uri] or {}) do
      if d.code == "LD002" then return true end
    end
    return false
  end, 20)
  vim.api.nvim_win_set_cursor(0, { line, column + 2 })
  vim.lsp.buf.code_action()
  vim.wait(10000, function()
    return not string.find(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n"),
      "age_normalised", 1, true)
  end, 20)
  result.model_after_fix = vim.api.nvim_buf_get_lines(0, 0, -1, false)

  -- Rename `contact` from the parameter of age_normalized that asks for it.
  open("features.py", client_id)
  line, column = find("def age_normalized(")
  local text = vim.api.nvim_buf_get_lines(0, line - 1, line, false)[1]
  local at = string.find(text, "contact", 1, true)  -- 1-based: the cursor lands inside the name
  vim.api.nvim_win_set_cursor(0, { line, at })
  vim.lsp.buf.rename("reach")
  vim.wait(10000, function()
    return string.find(table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n"),
      "def reach(", 1, true) ~= nil
  end, 20)
  result.features_after_rename = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local run_buf = vim.fn.bufnr(env.LIVEDAG_ROOT .. "/run.py")
  result.run_after_rename = run_buf > 0 and vim.api.nvim_buf_get_lines(run_buf, 0, -1, false) or {}

  -- Incoming calls of age_normalized: its consumers, in the quickfix list.
  line, column = find("def age_normalized")
  vim.api.nvim_win_set_cursor(0, { line, column + 6 })
  vim.fn.setqflist({})
  vim.lsp.buf.incoming_calls()
  vim.wait(10000, function() return #vim.fn.getqflist() > 0 end, 20)
  result.incoming = {}
  for _, entry in ipairs(vim.fn.getqflist()) do
    table.insert(result.incoming, { file = vim.fn.bufname(entry.bufnr), text = entry.text })
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
