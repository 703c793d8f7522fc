"""Appeals: changing a fixed field (account name, WeChat, certified enterprise data) through staff."""
