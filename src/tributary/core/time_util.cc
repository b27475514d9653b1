#include "tributary/core/time_util.h"

#include <chrono>
#include <cstdio>

namespace tributary {
namespace {

// Days from civil date (proleptic Gregorian), after H. Hinnant's algorithm.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

Status Bad(std::string_view text, const char* why) {
  std::string shown(text.substr(0, 64));
  return Status::InvalidData("Invalid timestamp '" + shown + "': " + why +
                             " (expected RFC 3339, e.g. 2024-01-01T00:00:00Z)");
}

}  // namespace

Status ParseTimestamp(std::string_view s, int64_t* micros) {
  int year, month, day;
  if (!Digits(s, 0, 4, &year) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day)) {
    return Bad(s, "bad date");
  }
  if (month < 1 || month > 12 || day < 1 || day > static_cast<int>(DaysInMonth(year, month))) {
    return Bad(s, "date out of range");
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  if (s.size() == 10) {
    *micros = days * 86400LL * 1000000LL;
    return Status::OK();
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return Bad(s, "expected 'T' after the date");
  int hh, mm, ss;
  if (!Digits(s, 11, 2, &hh) || s.size() < 19 || s[13] != ':' || !Digits(s, 14, 2, &mm) ||
      s[16] != ':' || !Digits(s, 17, 2, &ss)) {
    return Bad(s, "bad time of day");
  }
  if (hh > 23 || mm > 59 || ss > 60) return Bad(s, "time out of range");
  if (ss == 60) ss = 59;  // leap second: clamp, as most systems do
  size_t pos = 19;
  int64_t frac_us = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 0) {
        frac_us += (s[pos] - '0') * scale;
        scale /= 10;
      }
      ++pos;
    }
    if (pos == start) return Bad(s, "empty fraction");
  }
  int64_t offset_s = 0;
  if (pos == s.size()) {
    // No zone: taken as UTC.
  } else if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    int oh, om = 0;
    if (!Digits(s, pos + 1, 2, &oh)) return Bad(s, "bad zone offset");
    size_t p2 = pos + 3;
    if (p2 < s.size() && s[p2] == ':') ++p2;
    if (p2 < s.size()) {
      if (!Digits(s, p2, 2, &om)) return Bad(s, "bad zone offset");
      p2 += 2;
    }
    if (oh > 23 || om > 59) return Bad(s, "zone offset out of range");
    offset_s = sign * (oh * 3600 + om * 60);
    pos = p2;
  } else {
    return Bad(s, "unexpected text after the time");
  }
  if (pos != s.size()) return Bad(s, "unexpected text after the zone");
  int64_t secs = days * 86400LL + hh * 3600LL + mm * 60LL + ss - offset_s;
  *micros = secs * 1000000LL + frac_us;
  return Status::OK();
}

void AppendTimestamp(int64_t micros, std::string* out) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  // Exports write two timestamps per record: digits by hand, not printf,
  // for the years a record can hold in practice.
  if (y >= 0 && y <= 9999) {
    const auto two = [](char* p, unsigned v) {
      p[0] = static_cast<char>('0' + v / 10);
      p[1] = static_cast<char>('0' + v % 10);
    };
    char buf[27];  // "YYYY-MM-DDTHH:MM:SS.ffffff"
    const unsigned year = static_cast<unsigned>(y);
    two(buf, year / 100);
    two(buf + 2, year % 100);
    buf[4] = '-';
    two(buf + 5, m);
    buf[7] = '-';
    two(buf + 8, d);
    buf[10] = 'T';
    two(buf + 11, static_cast<unsigned>(rem / 3600));
    buf[13] = ':';
    two(buf + 14, static_cast<unsigned>((rem / 60) % 60));
    buf[16] = ':';
    two(buf + 17, static_cast<unsigned>(rem % 60));
    size_t n = 19;
    if (frac != 0) {
      buf[n++] = '.';
      unsigned f = static_cast<unsigned>(frac);
      int digits = 6;
      if (f % 1000 == 0) {
        f /= 1000;
        digits = 3;
      }
      for (int i = digits - 1; i >= 0; --i) {
        buf[n + static_cast<size_t>(i)] = static_cast<char>('0' + f % 10);
        f /= 10;
      }
      n += static_cast<size_t>(digits);
    }
    out->append(buf, n);
    out->push_back('Z');
    return;
  }
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d",
                        static_cast<long long>(y), m, d, static_cast<int>(rem / 3600),
                        static_cast<int>((rem / 60) % 60), static_cast<int>(rem % 60));
  out->append(buf, static_cast<size_t>(n));
  if (frac != 0) {
    if (frac % 1000 == 0) {
      n = std::snprintf(buf, sizeof(buf), ".%03d", static_cast<int>(frac / 1000));
    } else {
      n = std::snprintf(buf, sizeof(buf), ".%06d", static_cast<int>(frac));
    }
    out->append(buf, static_cast<size_t>(n));
  }
  out->push_back('Z');
}

std::string FormatTimestamp(int64_t micros) {
  std::string s;
  AppendTimestamp(micros, &s);
  return s;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tributary
