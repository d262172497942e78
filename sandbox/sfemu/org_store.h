// The org's data: object schemas, records, id generation, field validation
// with Salesforce's error codes, and persistence to the --state SQLite file.
//
// One mutex guards everything. Callers work inside a Txn, which holds that
// mutex for its lifetime; every write inside it is atomic on its own (it is
// validated completely before anything changes) and the Txn keeps an undo log
// so a group of writes can be rolled back (allOrNone) with RollbackTo. Commit
// writes the changed records to the state file in one SQLite transaction.
// The store is also the soql::DataSource; its DataSource methods never lock,
// so they may only be used through Txn::data().
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "sandbox/sfemu/api_error.h"
#include "sandbox/sfemu/model.h"

namespace sfemu {

struct OrgStoreOptions {
  std::string state_path;  // SQLite file; empty = memory only (nothing survives a restart)
};

// Organization-wide sharing default of an object (--sharing Lead=private). Under kPrivate and
// kRead a user may update or delete a record only when they own it (OwnerId) or hold Modify
// All Data (PermissionsModifyAllData on their profile, on an assigned permission set or on a
// permission set of an assigned permission set group); others get
// INSUFFICIENT_ACCESS_OR_READONLY. Reads are not filtered (see docs/sfemu.md).
enum class SharingModel { kReadWrite, kRead, kPrivate };

// How a write is allowed to treat fields.
enum class WriteMode {
  kApi,   // REST: read-only fields are refused, system fields set by the org
  kSeed,  // seed loader: any field may be given (DeveloperName on __mdt, CreatedDate, ...)
};

class OrgStore : public DataSource {
 public:
  explicit OrgStore(OrgStoreOptions options);
  ~OrgStore() override;
  OrgStore(const OrgStore&) = delete;
  OrgStore& operator=(const OrgStore&) = delete;

  // Opens the state file and loads the records it holds. Returns true in
  // *loaded when it already held a seeded org (the seed then only defines the
  // schema and passwords and must not insert records again).
  sfn::Status Open(bool* loaded);
  // Marks the state file as seeded and writes every record (after seeding).
  sfn::Status PersistAll();

  // Schema, set up before serving (not thread-safe against running Txns).
  // Adds the object, or merges fields into an existing one of that name.
  void DefineObject(ObjectDef def);
  std::vector<const ObjectDef*> Objects() const;  // safe inside a Txn

  // Sets the sharing default of `object` (before serving; objects not set are kReadWrite).
  void SetSharing(const std::string& object, SharingModel model);

  // Passwords for the username-password flow (not a field, as in Salesforce).
  void SetPassword(const std::string& username, const std::string& password);
  bool CheckPassword(const std::string& username, const std::string& password) const;

  class Txn {
   public:
    ~Txn();  // rolls back anything not committed
    Txn(Txn&&) noexcept;
    Txn(const Txn&) = delete;

    const DataSource& data() const { return *store_; }
    const ObjectDef* FindObject(std::string_view name) const { return store_->FindObject(name); }
    // Resolves a 15/18-char id to a live-or-deleted record; nullptr when unknown or malformed.
    const Record* Find(std::string_view id) const;
    // First live record of `type` whose `field` equals `value` (case-insensitive).
    const Record* FindBy(std::string_view type, std::string_view field,
                         std::string_view value) const;

    // A live record of `object` (nullptr = any type) for REST: MALFORMED_ID for a
    // bad id or wrong key prefix, NOT_FOUND, ENTITY_IS_DELETED.
    const Record* Locate(const ObjectDef* object, std::string_view id, ApiError* error) const;

    // Creates a record from a JSON object of fields. Returns the new 18-char id.
    std::optional<std::string> Create(const ObjectDef& object, const rapidjson::Value& fields,
                                      const std::string& user_id, ApiError* error,
                                      WriteMode mode = WriteMode::kApi);
    // Updates `id` (15 or 18 chars) of `object` (nullptr = any type).
    bool Update(const ObjectDef* object, std::string_view id, const rapidjson::Value& fields,
                const std::string& user_id, ApiError* error);
    bool Delete(const ObjectDef* object, std::string_view id, const std::string& user_id,
                ApiError* error);
    // Writes fields the org itself maintains (IsConverted, ...) on a live record, with the
    // seed's rules (read-only fields allowed, no sharing or conversion checks). For hooks.
    bool SetFields(std::string_view id, const rapidjson::Value& fields, ApiError* error);

    // Validates a platform event's fields and returns its payload JSON (with
    // CreatedById and CreatedDate set; CreatedDate = created_ms, or now when 0)
    // without storing anything.
    std::optional<std::string> BuildEventPayload(const ObjectDef& event,
                                                 const rapidjson::Value& fields,
                                                 const std::string& user_id, ApiError* error,
                                                 int64_t created_ms = 0);
    // A new id with `prefix` (used for platform event SaveResults and cursors).
    std::string NewId(const std::string& prefix);

    size_t Savepoint() const { return undo_.size(); }
    void RollbackTo(size_t savepoint);
    // Persists the changes so far; returns the state-file error, if any (the
    // in-memory change stands either way).
    sfn::Status Commit();

   private:
    friend class OrgStore;
    explicit Txn(OrgStore* store);
    bool FillGroupAssignment(Record* record, ApiError* error);
    struct Undo {
      std::string id;
      std::optional<Record> before;  // nullopt: the record was created
    };
    OrgStore* store_;
    std::unique_lock<std::mutex> lock_;
    std::vector<Undo> undo_;
  };

  // Locks the org for one unit of work.
  Txn Begin();

  // DataSource (no locking; use through Txn::data()).
  const ObjectDef* FindObject(std::string_view name) const override;
  const Record* FindRecord(std::string_view id18) const override;
  void Scan(std::string_view object, const std::function<void(const Record&)>& fn) const override;

 private:
  struct Stored {
    Record record;
    uint64_t seq = 0;
  };
  bool ApplyFields(const ObjectDef& object, const rapidjson::Value& fields, bool creating,
                   WriteMode mode, Record* record, ApiError* error);
  void Derive(const ObjectDef& object, Record* record) const;
  // Caller holds mu_. Whether `user_id` may update/delete `record` under its object's sharing.
  bool CanEdit(const Record& record, const std::string& user_id) const;
  bool HasModifyAllData(const std::string& user_id) const;
  void PutRecord(Record record);
  void EraseRecord(const std::string& id);
  sfn::Status PersistIds(const std::vector<std::string>& ids);
  std::string NextId(const std::string& prefix);

  OrgStoreOptions options_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<ObjectDef>> objects_;
  std::map<std::string, ObjectDef*, CaseInsensitiveLess> objects_by_name_;
  std::unordered_map<std::string, Stored> records_;
  // Ids per object type (lower-case name) in insertion order.
  std::map<std::string, std::vector<std::string>, CaseInsensitiveLess> order_;
  std::map<std::string, uint64_t> counters_;  // next id number per key prefix
  uint64_t next_seq_ = 1;
  std::map<std::string, std::string, CaseInsensitiveLess> passwords_;
  std::map<std::string, SharingModel, CaseInsensitiveLess> sharing_;
  struct Db;
  std::unique_ptr<Db> db_;
};

// "2024-05-14T15:04:05.000+0000": how Salesforce's REST API writes datetimes.
std::string SalesforceDateTime(int64_t epoch_ms);

// A record as REST returns it: {"attributes":{"type","url"},"Id":...,...}.
// `only` limits the fields (case-insensitive names, as given); empty = all
// fields of the object's schema, nulls included.
rapidjson::Value RecordToJson(const Record& record, const ObjectDef& object,
                              const std::string& api_version, const std::vector<std::string>& only,
                              rapidjson::Document::AllocatorType& alloc);

}  // namespace sfemu
