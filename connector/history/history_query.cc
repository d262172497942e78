#include "connector/history/history_query.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "common/crypto.h"
#include "connector/outbox/recipient_state.h"

namespace sfn::connector {

namespace {

// Indexes for the list: each notification-level filter has an index ending in
// (created_ms, id) so the newest-first keyset scan reads rows in order and stops
// after one page; recipient-level filters that pick few rows (record, phone)
// use the store's own recipients_record / recipients_phone indexes.
constexpr const char* kHistoryIndexes = R"sql(
CREATE INDEX IF NOT EXISTS history_n_created ON notifications(created_ms, id);
CREATE INDEX IF NOT EXISTS history_n_contact_point ON notifications(contact_point, created_ms, id);
CREATE INDEX IF NOT EXISTS history_n_user ON notifications(requested_by, created_ms, id);
CREATE INDEX IF NOT EXISTS history_n_status ON notifications(status, created_ms, id);
CREATE INDEX IF NOT EXISTS history_r_notification ON recipients(notification_id, state, reason, segments, responded);
CREATE INDEX IF NOT EXISTS history_r_created ON recipients(created_ms);
CREATE INDEX IF NOT EXISTS history_n_user_name ON notifications(requested_by_name COLLATE NOCASE, created_ms, id);
CREATE INDEX IF NOT EXISTS history_r_record_name ON recipients(record_name COLLATE NOCASE);
)sql";

// External-content FTS5 over the rendered bodies: the text lives once, in
// recipients; bodies are never updated after insert, so insert/delete triggers suffice.
constexpr const char* kFullTextSchema = R"sql(
CREATE VIRTUAL TABLE IF NOT EXISTS history_body_fts USING fts5(body, content='recipients', content_rowid='id');
CREATE TRIGGER IF NOT EXISTS history_body_ai AFTER INSERT ON recipients BEGIN
  INSERT INTO history_body_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER IF NOT EXISTS history_body_ad AFTER DELETE ON recipients BEGIN
  INSERT INTO history_body_fts(history_body_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER IF NOT EXISTS history_body_au AFTER UPDATE OF body ON recipients BEGIN
  INSERT INTO history_body_fts(history_body_fts, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO history_body_fts(rowid, body) VALUES (new.id, new.body);
END;
)sql";

// Each word becomes an FTS5 string ("..." with quotes doubled), so user text
// can never be read as FTS5 operators; the words are AND-ed.
std::string FtsQuery(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    std::string quoted = "\"";
    for (char c : word) {
      quoted += c;
      if (c == '"') quoted += '"';
    }
    out += (out.empty() ? "" : " ") + quoted + "\"";
    word.clear();
  };
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

std::string LikePattern(const std::string& text) {
  std::string out = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

void Bind(SQLite::Statement& q, const std::vector<std::string>& params) {
  for (size_t i = 0; i < params.size(); ++i) q.bind(static_cast<int>(i + 1), params[i]);
}

}  // namespace

Status PrepareHistorySchema(const HistorySchemaOptions& options) {
  try {
    SQLite::Database db(options.path, SQLite::OPEN_READWRITE);
    db.setBusyTimeout(options.busy_timeout_ms);
    db.exec(kHistoryIndexes);
    if (options.full_text_search) {
      bool existed = db.tableExists("history_body_fts");
      db.exec("BEGIN IMMEDIATE");
      db.exec(kFullTextSchema);
      // Rows written before the index existed (an upgraded store) are indexed once.
      if (!existed) db.exec("INSERT INTO history_body_fts(history_body_fts) VALUES ('rebuild')");
      db.exec("COMMIT");
    }
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::IOError(options.path + ": cannot prepare history indexes: " + e.what());
  }
}

std::string EncodeHistoryCursor(int64_t created_ms, const std::string& id) {
  return crypto::Base64UrlEncode(std::to_string(created_ms) + ":" + id);
}

Result<std::pair<int64_t, std::string>> DecodeHistoryCursor(const std::string& cursor) {
  auto raw = crypto::Base64UrlDecode(cursor);
  auto bad = Status::InvalidArgument("'cursor' is not a cursor returned by this API");
  if (!raw.ok()) return bad;
  size_t colon = raw->find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= raw->size()) return bad;
  int64_t ms = 0;
  for (size_t i = 0; i < colon; ++i) {
    char c = (*raw)[i];
    if (c < '0' || c > '9' || ms > (INT64_MAX - 9) / 10) return bad;
    ms = ms * 10 + (c - '0');
  }
  return std::make_pair(ms, raw->substr(colon + 1));
}

std::optional<UsageGroupBy> ParseUsageGroupBy(const std::string& text) {
  if (text == "contact_point") return UsageGroupBy::kContactPoint;
  if (text == "user") return UsageGroupBy::kUser;
  if (text == "day") return UsageGroupBy::kDay;
  return std::nullopt;
}

const char* UsageGroupByName(UsageGroupBy g) {
  switch (g) {
    case UsageGroupBy::kContactPoint:
      return "contact_point";
    case UsageGroupBy::kUser:
      return "user";
    case UsageGroupBy::kDay:
      return "day";
  }
  return "contact_point";
}

struct HistoryQuery::Sql {
  std::string text;
  std::vector<std::string> params;  // bound as text; SQLite compares integers by affinity
  std::vector<int64_t> int_params;  // appended after `params`
};

HistoryQuery::HistoryQuery(HistoryQueryOptions options) : options_(std::move(options)) {}
HistoryQuery::~HistoryQuery() = default;

Result<std::unique_ptr<HistoryQuery>> HistoryQuery::Open(HistoryQueryOptions options) {
  std::unique_ptr<HistoryQuery> q(new HistoryQuery(std::move(options)));
  try {
    q->db_ = std::make_unique<SQLite::Database>(q->options_.path, SQLite::OPEN_READONLY);
    q->db_->setBusyTimeout(q->options_.busy_timeout_ms);
    if (q->options_.full_text_search && !q->db_->tableExists("history_body_fts")) {
      q->options_.full_text_search = false;  // schema prepared without it
    }
  } catch (const std::exception& e) {
    return Status::IOError(q->options_.path + ": cannot open history: " + e.what());
  }
  return q;
}

HistoryQuery::Sql HistoryQuery::BuildListSql(const HistoryFilter& f, bool with_cursor,
                                             int limit) const {
  Sql sql;
  std::vector<std::string> where;
  std::vector<int64_t> ints;  // bound after the text params, in this order
  auto text_param = [&](const std::string& v) { sql.params.push_back(v); };

  // Recipient conditions that select few rows drive the query from their index.
  std::vector<std::string> rcond;
  std::vector<std::string> rparams;
  bool selective = false;
  if (!f.record_id.empty()) {
    rcond.push_back("r.record_id = ?");
    rparams.push_back(f.record_id);
    selective = true;
  }
  if (!f.record_name.empty()) {
    rcond.push_back("r.record_name = ? COLLATE NOCASE");
    rparams.push_back(f.record_name);
    selective = true;
  }
  if (!f.phone_e164.empty()) {
    rcond.push_back("r.phone_e164 = ?");
    rparams.push_back(f.phone_e164);
    selective = true;
  }
  if (!f.text.empty()) {
    if (options_.full_text_search) {
      rcond.push_back(
          "r.id IN (SELECT rowid FROM history_body_fts WHERE history_body_fts MATCH ?)");
      rparams.push_back(FtsQuery(f.text));
      selective = true;
    } else {
      rcond.push_back("r.body LIKE ? ESCAPE '\\'");
      rparams.push_back(LikePattern(f.text));
    }
  }
  if (!f.recipient_state.empty()) {
    rcond.push_back("r.state = ?");
    rparams.push_back(f.recipient_state);
  }
  bool reason_in_recipients = !f.reason.empty() && (selective || !f.recipient_state.empty());
  if (reason_in_recipients) {
    rcond.push_back("r.reason = ?");
    rparams.push_back(f.reason);
  }
  // With a selective recipient filter, notification columns are compared with a
  // unary + so the planner cannot prefer scanning a notification index instead.
  const char* col = selective ? "+n." : "n.";
  auto ncond = [&](const std::string& column, const std::string& value) {
    where.push_back(std::string(col) + column + " = ?");
    text_param(value);
  };
  if (!f.contact_point.empty()) ncond("contact_point", f.contact_point);
  if (!f.requested_by.empty()) ncond("requested_by", f.requested_by);
  if (!f.requested_by_name.empty()) {
    where.push_back(std::string(col) + "requested_by_name = ? COLLATE NOCASE");
    text_param(f.requested_by_name);
  }
  if (f.visible_contact_points) {
    // Who is looking sees only these contact points (an empty list: nothing at all).
    std::string in;
    for (const auto& cp : *f.visible_contact_points) {
      in += in.empty() ? "?" : ",?";
      text_param(cp);
    }
    where.push_back(in.empty() ? std::string("0")
                               : std::string(col) + "contact_point IN (" + in + ")");
  }
  if (!f.status.empty()) ncond("status", f.status);
  std::string joined;
  for (const auto& c : rcond) joined += (joined.empty() ? "" : " AND ") + c;
  if (selective) {
    where.push_back("n.id IN (SELECT r.notification_id FROM recipients r WHERE " + joined + ")");
    for (auto& p : rparams) text_param(p);
  } else if (!rcond.empty()) {
    where.push_back("EXISTS (SELECT 1 FROM recipients r WHERE r.notification_id = n.id AND " +
                    joined + ")");
    for (auto& p : rparams) text_param(p);
  }
  if (!f.reason.empty() && !reason_in_recipients) {
    where.push_back(
        "(n.refusal_reason = ? OR EXISTS (SELECT 1 FROM recipients r WHERE r.notification_id = "
        "n.id AND "
        "r.reason = ?))");
    text_param(f.reason);
    text_param(f.reason);
  }
  if (f.from_ms > 0) {
    where.push_back(std::string(col) + "created_ms >= ?");
    ints.push_back(f.from_ms);
  }
  if (f.to_ms > 0) {
    where.push_back(std::string(col) + "created_ms < ?");
    ints.push_back(f.to_ms);
  }
  if (with_cursor) where.push_back("(n.created_ms, n.id) < (?, ?)");  // bound by the caller
  sql.text =
      "SELECT n.id, n.request_id, n.contact_point, n.requested_by, n.source, n.message, "
      "n.template_name, "
      "n.campaign_id, n.status, n.refusal_reason, n.created_ms, n.updated_ms, n.requested_by_name "
      "FROM notifications n";
  for (size_t i = 0; i < where.size(); ++i) sql.text += (i ? " AND " : " WHERE ") + where[i];
  sql.text += " ORDER BY n.created_ms DESC, n.id DESC LIMIT " + std::to_string(limit);
  sql.int_params = ints;
  return sql;
}

Result<HistoryPage> HistoryQuery::List(const HistoryFilter& filter, const std::string& cursor,
                                       int limit) {
  limit = std::clamp(limit, 1, 500);
  std::optional<std::pair<int64_t, std::string>> after;
  if (!cursor.empty()) {
    auto decoded = DecodeHistoryCursor(cursor);
    if (!decoded.ok()) return decoded.status();
    after = decoded.value();
  }
  Sql sql = BuildListSql(filter, after.has_value(), limit + 1);
  std::lock_guard<std::mutex> lock(mu_);
  HistoryPage page;
  try {
    SQLite::Statement q(*db_, sql.text);
    Bind(q, sql.params);
    int index = static_cast<int>(sql.params.size());
    for (int64_t v : sql.int_params) q.bind(++index, v);
    if (after) {
      q.bind(++index, after->first);
      q.bind(++index, after->second);
    }
    while (q.executeStep()) {
      NotificationSummary s;
      s.id = q.getColumn(0).getString();
      s.request_id = q.getColumn(1).getString();
      s.contact_point = q.getColumn(2).getString();
      s.requested_by = q.getColumn(3).getString();
      s.source = q.getColumn(4).getString();
      s.message = q.getColumn(5).getString();
      s.template_name = q.getColumn(6).getString();
      s.campaign_id = q.getColumn(7).getString();
      s.status = q.getColumn(8).getString();
      s.refusal_reason = q.getColumn(9).getString();
      s.created_ms = q.getColumn(10).getInt64();
      s.updated_ms = q.getColumn(11).getInt64();
      s.requested_by_name = q.getColumn(12).getString();
      page.items.push_back(std::move(s));
    }
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.resize(static_cast<size_t>(limit));
      page.next_cursor = EncodeHistoryCursor(page.items.back().created_ms, page.items.back().id);
    }
    if (page.items.empty()) return page;
    // Counts per state for the page, from the covering recipients index.
    std::string in;
    for (size_t i = 0; i < page.items.size(); ++i) in += i ? ",?" : "?";
    SQLite::Statement counts(
        *db_,
        "SELECT notification_id, state, COUNT(*), SUM(segments), SUM(responded) "
        "FROM recipients WHERE notification_id IN (" +
            in + ") GROUP BY notification_id, state");
    std::map<std::string, NotificationSummary*> by_id;
    for (size_t i = 0; i < page.items.size(); ++i) {
      counts.bind(static_cast<int>(i + 1), page.items[i].id);
      by_id[page.items[i].id] = &page.items[i];
    }
    while (counts.executeStep()) {
      NotificationSummary* s = by_id[counts.getColumn(0).getString()];
      std::string state = counts.getColumn(1).getString();
      int n = counts.getColumn(2).getInt();
      s->by_state[state] += n;
      s->recipients += n;
      if (state != "suppressed" && state != "pending" && state != "deferred") {
        s->segments += counts.getColumn(3).getInt();
      }
      s->responded += counts.getColumn(4).getInt();
    }
  } catch (const std::exception& e) {
    return Status::IOError(std::string("history: ") + e.what());
  }
  return page;
}

Result<std::vector<std::string>> HistoryQuery::ExplainList(const HistoryFilter& filter) {
  Sql sql = BuildListSql(filter, true, 51);
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> plan;
  try {
    SQLite::Statement q(*db_, "EXPLAIN QUERY PLAN " + sql.text);
    Bind(q, sql.params);
    int index = static_cast<int>(sql.params.size());
    for (int64_t v : sql.int_params) q.bind(++index, v);
    q.bind(++index, static_cast<int64_t>(INT64_MAX));
    q.bind(++index, "~");
    while (q.executeStep()) plan.push_back(q.getColumn(3).getString());
  } catch (const std::exception& e) {
    return Status::IOError(std::string("history: ") + e.what());
  }
  return plan;
}

Result<NotificationDetail> HistoryQuery::Detail(const std::string& notification_id) {
  std::lock_guard<std::mutex> lock(mu_);
  NotificationDetail d;
  try {
    SQLite::Statement n(
        *db_,
        "SELECT id, request_id, contact_point, requested_by, source, message, template_name, "
        "campaign_id, status, refusal_reason, created_ms, updated_ms, requested_by_name FROM "
        "notifications WHERE id=?");
    n.bind(1, notification_id);
    if (!n.executeStep()) return Status::NotFound("no notification '" + notification_id + "'");
    NotificationSummary& s = d.summary;
    s.id = n.getColumn(0).getString();
    s.request_id = n.getColumn(1).getString();
    s.contact_point = n.getColumn(2).getString();
    s.requested_by = n.getColumn(3).getString();
    s.source = n.getColumn(4).getString();
    s.message = n.getColumn(5).getString();
    s.template_name = n.getColumn(6).getString();
    s.campaign_id = n.getColumn(7).getString();
    s.status = n.getColumn(8).getString();
    s.refusal_reason = n.getColumn(9).getString();
    s.created_ms = n.getColumn(10).getInt64();
    s.updated_ms = n.getColumn(11).getInt64();
    s.requested_by_name = n.getColumn(12).getString();

    SQLite::Statement r(
        *db_,
        "SELECT id, record_id, object_type, phone_e164, state, reason, segments, encoding, body, "
        "gateway_sid, error_code, task_id, task_state, responded, created_ms, last_attempt_ms, "
        "updated_ms, record_name FROM recipients WHERE notification_id=? ORDER BY id");
    r.bind(1, notification_id);
    std::map<int64_t, size_t> index;
    while (r.executeStep()) {
      RecipientDetail x;
      x.id = r.getColumn(0).getInt64();
      x.record_id = r.getColumn(1).getString();
      x.object_type = r.getColumn(2).getString();
      x.phone_e164 = r.getColumn(3).getString();
      x.state = r.getColumn(4).getString();
      x.reason = r.getColumn(5).getString();
      x.segments = r.getColumn(6).getInt();
      x.encoding = r.getColumn(7).getString();
      x.body = r.getColumn(8).getString();
      x.gateway_sid = r.getColumn(9).getString();
      x.error_code = r.getColumn(10).getInt();
      x.task_id = r.getColumn(11).getString();
      x.task_state = r.getColumn(12).getString();
      x.responded = r.getColumn(13).getInt() != 0;
      x.created_ms = r.getColumn(14).getInt64();
      x.last_attempt_ms = r.getColumn(15).getInt64();
      x.updated_ms = r.getColumn(16).getInt64();
      x.record_name = r.getColumn(17).getString();
      s.by_state[x.state]++;
      s.recipients++;
      if (x.state != "suppressed" && x.state != "pending" && x.state != "deferred")
        s.segments += x.segments;
      s.responded += x.responded ? 1 : 0;
      index[x.id] = d.recipients.size();
      d.recipients.push_back(std::move(x));
    }
    SQLite::Statement h(
        *db_,
        "SELECT at_ms, recipient_id, kind, state, detail FROM history WHERE notification_id=? "
        "ORDER BY id");
    h.bind(1, notification_id);
    while (h.executeStep()) {
      HistoryEvent e{h.getColumn(0).getInt64(), h.getColumn(1).getInt64(),
                     h.getColumn(2).getString(), h.getColumn(3).getString(),
                     h.getColumn(4).getString()};
      auto it = index.find(e.recipient_id);
      if (it != index.end()) {
        RecipientDetail& x = d.recipients[it->second];
        if (e.kind == "state" && !x.state_times.count(e.state)) x.state_times[e.state] = e.at_ms;
        if (e.kind == "reply" || e.kind == "inbound") x.reply = e.detail;
      }
      d.events.push_back(std::move(e));
    }
  } catch (const std::exception& e) {
    return Status::IOError(std::string("history: ") + e.what());
  }
  return d;
}

Result<UsageReport> HistoryQuery::Usage(
    int64_t from_ms, int64_t to_ms, UsageGroupBy group_by,
    const std::optional<std::vector<std::string>>& contact_points) {
  UsageReport report;
  report.from_ms = from_ms;
  report.to_ms = to_ms;
  report.group_by = group_by;
  report.total.key = "total";
  std::string key;
  std::string from = "recipients r";
  switch (group_by) {
    case UsageGroupBy::kContactPoint:
      key = "r.contact_point";
      break;
    case UsageGroupBy::kUser:
      key = "n.requested_by";
      from = "recipients r JOIN notifications n ON n.id = r.notification_id";
      break;
    case UsageGroupBy::kDay:
      key = "strftime('%Y-%m-%d', r.created_ms / 1000, 'unixepoch')";
      break;
  }
  std::string visible;  // contact point restriction, bound after from/to
  if (contact_points) {
    std::string in;
    for (size_t i = 0; i < contact_points->size(); ++i) in += i ? ",?" : "?";
    visible = in.empty() ? " AND 0" : " AND r.contact_point IN (" + in + ")";
  }
  auto bind_visible = [&](SQLite::Statement& q) {
    if (!contact_points) return;
    for (size_t i = 0; i < contact_points->size(); ++i)
      q.bind(static_cast<int>(i + 3), (*contact_points)[i]);
  };
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, UsageRow> rows;
  try {
    SQLite::Statement q(
        *db_, "SELECT " + key +
                  ", r.contact_point, SUM(r.gateway_sid != ''), "
                  "SUM(CASE WHEN r.gateway_sid != '' THEN r.segments ELSE 0 END), "
                  "SUM(CASE WHEN r.gateway_sid != '' AND r.state != 'failed' THEN "
                  "r.segments ELSE 0 END), "
                  "SUM(r.state = 'failed'), SUM(r.state = 'suppressed'), " +
                  (group_by == UsageGroupBy::kUser ? "MAX(n.requested_by_name)" : "''") + " FROM " +
                  from + " WHERE r.created_ms >= ? AND r.created_ms < ?" + visible +
                  " GROUP BY 1, 2");
    q.bind(1, from_ms);
    q.bind(2, to_ms);
    bind_visible(q);
    while (q.executeStep()) {
      UsageRow& row = rows[q.getColumn(0).getString()];
      if (row.name.empty()) row.name = q.getColumn(7).getString();
      std::string cp = q.getColumn(1).getString();
      int64_t billable = q.getColumn(4).getInt64();
      auto price = options_.price_per_segment.find(cp);
      double cost = price == options_.price_per_segment.end()
                        ? 0.0
                        : price->second * static_cast<double>(billable);
      for (UsageRow* target : {&row, &report.total}) {
        target->messages += q.getColumn(2).getInt64();
        target->segments += q.getColumn(3).getInt64();
        target->billable_units += billable;
        target->estimated_cost += cost;
        target->failed += q.getColumn(5).getInt64();
        target->suppressed += q.getColumn(6).getInt64();
      }
    }
    SQLite::Statement s(
        *db_, "SELECT " + key + ", r.reason, COUNT(*) FROM " + from +
                  " WHERE r.created_ms >= ? AND r.created_ms < ? AND r.state = 'suppressed'" +
                  visible + " GROUP BY 1, 2");
    s.bind(1, from_ms);
    s.bind(2, to_ms);
    bind_visible(s);
    while (s.executeStep()) {
      std::string reason = s.getColumn(1).getString();
      if (reason.empty()) reason = "unspecified";
      int64_t n = s.getColumn(2).getInt64();
      rows[s.getColumn(0).getString()].suppressed_by_reason[reason] += n;
      report.total.suppressed_by_reason[reason] += n;
    }
  } catch (const std::exception& e) {
    return Status::IOError(std::string("usage: ") + e.what());
  }
  for (auto& [k, row] : rows) {
    row.key = k;
    report.rows.push_back(row);
  }
  return report;
}

}  // namespace sfn::connector
