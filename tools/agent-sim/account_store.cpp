#include "account_store.hpp"

namespace replay::agent_sim {

bool AccountStore::add(Account account) {
  if (accounts_.count(account.email) != 0) return false;
  if (account_order_.size() >= kMaxEntries) {
    accounts_.erase(account_order_.front());
    account_order_.pop_front();
  }
  account_order_.push_back(account.email);
  std::string key = account.email;
  accounts_.emplace(std::move(key), std::move(account));
  return true;
}

const Account* AccountStore::find(std::string_view email) const {
  auto it = accounts_.find(std::string(email));
  return it == accounts_.end() ? nullptr : &it->second;
}

void AccountStore::open_session(std::string session_id, std::string email) {
  if (session_order_.size() >= kMaxEntries) {
    sessions_.erase(session_order_.front());
    session_order_.pop_front();
  }
  session_order_.push_back(session_id);
  sessions_[std::move(session_id)] = std::move(email);
}

const Account* AccountStore::session(std::string_view session_id) const {
  auto it = sessions_.find(std::string(session_id));
  return it == sessions_.end() ? nullptr : find(it->second);
}

}  // namespace replay::agent_sim
