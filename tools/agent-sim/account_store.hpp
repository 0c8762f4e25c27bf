#pragma once
// Accounts made through POST /api/auth/signup and the sessions POST /api/auth/login opens;
// each bounded in number (the oldest forgotten first).

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace replay::agent_sim {

struct Account {
  std::string email;
  std::string password;
  std::string user_id;
  std::string tenant_id;  // the tenant created with the account
};

class AccountStore {
 public:
  static constexpr size_t kMaxEntries = 100'000;

  // Stores `account` unless its email is taken (false then).
  bool add(Account account);
  const Account* find(std::string_view email) const;
  // Opens a session for `email`, known by `session_id` (the login cookie's value).
  void open_session(std::string session_id, std::string email);
  // The account of an open session, or nullptr.
  const Account* session(std::string_view session_id) const;

 private:
  std::unordered_map<std::string, Account> accounts_;
  std::deque<std::string> account_order_;
  std::unordered_map<std::string, std::string> sessions_;  // session id -> email
  std::deque<std::string> session_order_;
};

}  // namespace replay::agent_sim
