-- Headless Neovim (0.7.2) presses the mappings of docs/lsp.md's set-up, which test_neovim_docs.py
-- loaded first as the user's init.lua: K, gr, <leader>ci, <leader>ca, <leader>rn, <leader>l, and
-- the omnifunc it sets.  Neovim's prompts (vim.ui.select / vim.ui.input) are answered here; what
-- each mapping produced is written to JSON for the test to check.
--
-- Environment: LIVEDAG_ROOT (workspace folder, also the cwd), LIVEDAG_OUT (JSON result file).

local env = vim.env
local result = { errors = {}, messages = {} }

local function finish()
  local file = io.open(env.LIVEDAG_OUT, "w")
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd("qall!")
end

local function note(message) table.insert(result.errors, message) end

local function press(keys)
  -- "m": through the mappings, as typed; "x": run them now
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), "mx", false)
end

local function cursor_on(pattern, offset)
  for i, text in ipairs(vim.api.nvim_buf_get_lines(0, 0, -1, false)) do
    local at = string.find(text, pattern, 1, true)
    if at then
      vim.api.nvim_win_set_cursor(0, { i, at - 1 + (offset or 0) })
      return i
    end
  end
  error("not in the buffer: " .. pattern)
end

local function buffer_text() return table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n") end

local function quickfix_after(keys, what)
  vim.fn.setqflist({})
  press(keys)
  if not vim.wait(15000, function() return #vim.fn.getqflist() > 0 end, 20) then note("no quickfix list from " .. what) end
  local out = {}
  for _, entry in ipairs(vim.fn.getqflist()) do
    table.insert(out, { file = vim.fn.fnamemodify(vim.fn.bufname(entry.bufnr), ":t"), line = entry.lnum, text = entry.text })
  end
  vim.cmd("cclose")
  return out
end

local function lens_titles(line)
  local titles = {}
  for _, lens in ipairs(vim.lsp.codelens.get(0)) do
    if lens.range.start.line == line - 1 then
      table.insert(titles, lens.command and lens.command.title or "(unresolved)")
    end
  end
  table.sort(titles)
  return titles
end

local function run()
  -- what the server says with window/showMessage (Neovim prints it; the test reads it here)
  local show = vim.lsp.handlers["window/showMessage"]
  vim.lsp.handlers["window/showMessage"] = function(err, params, ctx, config)
    table.insert(result.messages, params.message)
    return show(err, params, ctx, config)
  end
  local choose = nil -- which vim.ui.select entry to take (by its text); nil: the first
  vim.ui.select = function(items, opts, on_choice)
    for i, item in ipairs(items) do
      local text = opts and opts.format_item and opts.format_item(item) or tostring(item)
      if choose == nil or string.find(text, choose, 1, true) then return on_choice(item, i) end
    end
    on_choice(nil, nil)
  end
  local new_name = nil
  vim.ui.input = function(_, on_confirm) on_confirm(new_name) end

  vim.cmd("edit " .. vim.fn.fnameescape(env.LIVEDAG_ROOT .. "/features.py"))
  result.attached = vim.wait(30000, function() return #vim.lsp.buf_get_clients(0) > 0 end, 20)
  result.maps = {}
  for _, keys in ipairs({ "K", "gd", "gr", "<Bslash>rn", "<Bslash>ca", "<Bslash>ci", "<Bslash>l" }) do
    local found = vim.fn.maparg(keys, "n", false, true)
    result.maps[keys] = found.buffer == 1
  end
  result.omnifunc = vim.bo.omnifunc

  -- The lenses of the open buffer, refreshed by the set-up's own calls; all resolved.
  local contact = cursor_on("def contact", 4)
  local resolved = function()
    local titles = lens_titles(contact)
    return #titles == 2 and not vim.tbl_contains(titles, "(unresolved)")
  end
  if not vim.wait(30000, resolved, 50) then
    vim.cmd("doautocmd CursorHold") -- as after a pause in typing
    vim.wait(15000, resolved, 50)
  end
  result.lenses = lens_titles(contact)

  -- <leader>l on the line: pick "downstream", then "upstream"; the server answers in a message.
  for _, which in ipairs({ "downstream", "upstream" }) do
    local before = #result.messages
    choose = which
    press("<Bslash>l")
    if not vim.wait(15000, function() return #result.messages > before end, 20) then
      note("no message after the " .. which .. " lens")
    end
  end
  choose = nil

  -- K: the hover of `contact`, in a floating window
  cursor_on("def contact", 5)
  press("K")
  local function float_lines()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= "" then
        return vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(win), 0, -1, false)
      end
    end
  end
  if not vim.wait(15000, function() return float_lines() ~= nil end, 20) then note("K showed no hover") end
  result.hover = float_lines() or {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then vim.api.nvim_win_close(win, true) end
  end

  cursor_on("def age_normalized", 5)
  result.references = quickfix_after("gr", "gr")
  cursor_on("def age_normalized", 5)
  result.incoming = quickfix_after("<Bslash>ci", "<leader>ci")

  -- omnifunc: the function the set-up names, called as <C-x><C-o> calls it
  vim.api.nvim_buf_set_lines(0, -1, -1, false, { "", "", "def churn(age_n" })
  local last = vim.api.nvim_buf_line_count(0)
  vim.api.nvim_win_set_cursor(0, { last, #"def churn(age_n" })
  local omnifunc = loadstring("return " .. vim.bo.omnifunc:gsub("^v:lua%.", ""))()
  local real_mode, real_complete = vim.fn.mode, vim.fn.complete
  vim.fn.mode = function() return "i" end
  vim.fn.complete = function(_, items) result.completion = items end
  omnifunc(1, "")
  vim.wait(10000, function() return result.completion ~= nil end, 20)
  vim.fn.mode, vim.fn.complete = real_mode, real_complete
  vim.api.nvim_buf_set_lines(0, last - 3, last, false, {})

  -- <leader>rn on `contact`: Neovim asks for the name (answered "reach")
  cursor_on("def contact", 5)
  new_name = "reach"
  press("<Bslash>rn")
  if not vim.wait(15000, function() return string.find(buffer_text(), "def reach(", 1, true) ~= nil end, 20) then
    note("<leader>rn renamed nothing")
  end
  result.features_after_rename = buffer_text()

  -- <leader>ca on a typo in model.py: the first quick fix
  vim.cmd("edit " .. vim.fn.fnameescape(env.LIVEDAG_ROOT .. "/model.py"))
  vim.wait(15000, function() return #vim.lsp.buf_get_clients(0) > 0 end, 20)
  local line = cursor_on("age_normalized: pd.Series")
  vim.api.nvim_buf_set_text(0, line - 1, 10, line - 1, 10 + #"age_normalized", { "age_normalised" })
  local typo = function()
    for _, d in ipairs(vim.diagnostic.get(0)) do
      if d.code == "LD002" then return true end
    end
    return false
  end
  if not vim.wait(15000, typo, 20) then note("no LD002 for the typo") end
  cursor_on("age_normalised", 2)
  press("<Bslash>ca")
  if not vim.wait(15000, function() return string.find(buffer_text(), "age_normalised", 1, true) == nil end, 20) then
    note("<leader>ca fixed nothing")
  end
  result.model_after_fix = buffer_text()

  for _, client in ipairs(vim.lsp.get_active_clients()) do client.stop() end
  finish()
end

vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  nested = true, -- the :edit below must run the set-up's FileType autocommand
  callback = function()
    local ok, message = pcall(run)
    if not ok then
      note(tostring(message))
      finish()
    end
  end,
})
