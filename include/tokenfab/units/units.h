// Strong unit types for the few physical dimensions tokenfab models.
//
// A Quantity holds one double in SI base units (seconds, bytes, FLOPs, joules, dollars) and carries
// its dimension exponents in the type, in the style of absl::Duration, so that
//   Bytes / BytesPerSecond -> Seconds   and   Watts * Seconds -> Joules
// type-check, while Seconds + Bytes does not compile (see units_compile_fail_test).
// Values are built only with the factories below and read only with the named accessors.
// GB (1e9) and GiB (2^30) are distinct. All functions are constexpr and thread-safe.
//
// Example:
//   Seconds t = GiB(8) / GBps(400);          // 21.5 ms
//   double ms = ToMilliseconds(t);
#ifndef TOKENFAB_UNITS_UNITS_H_
#define TOKENFAB_UNITS_UNITS_H_

#include <cmath>

namespace tokenfab {

// Dimension exponents: time, bytes, floating-point operations, energy, money.
template <int T, int B, int F, int J, int D>
class Quantity {
 public:
  constexpr Quantity() = default;
  static constexpr Quantity FromSi(double v) { return Quantity(v); }
  constexpr double si() const { return value_; }

  constexpr Quantity operator+(Quantity o) const { return Quantity(value_ + o.value_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(value_ - o.value_); }
  constexpr Quantity operator-() const { return Quantity(-value_); }
  constexpr Quantity& operator+=(Quantity o) {
    value_ += o.value_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity o) {
    value_ -= o.value_;
    return *this;
  }
  constexpr Quantity operator*(double k) const { return Quantity(value_ * k); }
  constexpr Quantity operator/(double k) const { return Quantity(value_ / k); }
  constexpr Quantity& operator*=(double k) {
    value_ *= k;
    return *this;
  }
  friend constexpr Quantity operator*(double k, Quantity q) { return Quantity(k * q.value_); }
  // Same-dimension ratio is a plain number.
  constexpr double operator/(Quantity o) const { return value_ / o.value_; }
  constexpr auto operator<=>(const Quantity&) const = default;

 private:
  constexpr explicit Quantity(double v) : value_(v) {}
  double value_ = 0.0;
};

template <int T1, int B1, int F1, int J1, int D1, int T2, int B2, int F2, int J2, int D2>
constexpr auto operator*(Quantity<T1, B1, F1, J1, D1> a, Quantity<T2, B2, F2, J2, D2> b) {
  return Quantity<T1 + T2, B1 + B2, F1 + F2, J1 + J2, D1 + D2>::FromSi(a.si() * b.si());
}
template <int T1, int B1, int F1, int J1, int D1, int T2, int B2, int F2, int J2, int D2>
requires(T1 != T2 || B1 != B2 || F1 != F2 || J1 != J2 || D1 != D2) constexpr auto operator/(
    Quantity<T1, B1, F1, J1, D1> a, Quantity<T2, B2, F2, J2, D2> b) {
  return Quantity<T1 - T2, B1 - B2, F1 - F2, J1 - J2, D1 - D2>::FromSi(a.si() / b.si());
}

using Seconds = Quantity<1, 0, 0, 0, 0>;
using Bytes = Quantity<0, 1, 0, 0, 0>;
using Flops = Quantity<0, 0, 1, 0, 0>;
using Joules = Quantity<0, 0, 0, 1, 0>;
using Dollars = Quantity<0, 0, 0, 0, 1>;
using Hertz = Quantity<-1, 0, 0, 0, 0>;
using BytesPerSecond = Quantity<-1, 1, 0, 0, 0>;
using FlopsPerSecond = Quantity<-1, 0, 1, 0, 0>;
using Watts = Quantity<-1, 0, 0, 1, 0>;
using DollarsPerJoule = Quantity<0, 0, 0, -1, 1>;
using DollarsPerSecond = Quantity<-1, 0, 0, 0, 1>;

// Factories. Decimal prefixes are powers of 10, binary ones powers of 2.
constexpr Seconds Secs(double v) { return Seconds::FromSi(v); }
constexpr Seconds Milliseconds(double v) { return Seconds::FromSi(v * 1e-3); }
constexpr Seconds Microseconds(double v) { return Seconds::FromSi(v * 1e-6); }
constexpr Seconds Nanoseconds(double v) { return Seconds::FromSi(v * 1e-9); }
constexpr Seconds Minutes(double v) { return Seconds::FromSi(v * 60.0); }
constexpr Seconds Hours(double v) { return Seconds::FromSi(v * 3600.0); }
constexpr Seconds Days(double v) { return Seconds::FromSi(v * 86400.0); }
constexpr Seconds Years(double v) { return Seconds::FromSi(v * 365.0 * 86400.0); }
constexpr Bytes ByteCount(double v) { return Bytes::FromSi(v); }
constexpr Bytes KB(double v) { return Bytes::FromSi(v * 1e3); }
constexpr Bytes MB(double v) { return Bytes::FromSi(v * 1e6); }
constexpr Bytes GB(double v) { return Bytes::FromSi(v * 1e9); }
constexpr Bytes TB(double v) { return Bytes::FromSi(v * 1e12); }
constexpr Bytes KiB(double v) { return Bytes::FromSi(v * 1024.0); }
constexpr Bytes MiB(double v) { return Bytes::FromSi(v * 1048576.0); }
constexpr Bytes GiB(double v) { return Bytes::FromSi(v * 1073741824.0); }
constexpr Bytes TiB(double v) { return Bytes::FromSi(v * 1099511627776.0); }
constexpr Flops FlopCount(double v) { return Flops::FromSi(v); }
constexpr BytesPerSecond GBps(double v) { return BytesPerSecond::FromSi(v * 1e9); }
constexpr BytesPerSecond TBps(double v) { return BytesPerSecond::FromSi(v * 1e12); }
constexpr BytesPerSecond Gbps(double v) { return BytesPerSecond::FromSi(v * 1e9 / 8.0); }
constexpr FlopsPerSecond Tflops(double v) { return FlopsPerSecond::FromSi(v * 1e12); }
constexpr FlopsPerSecond Pflops(double v) { return FlopsPerSecond::FromSi(v * 1e15); }
constexpr Watts Watt(double v) { return Watts::FromSi(v); }
constexpr Watts Kilowatts(double v) { return Watts::FromSi(v * 1e3); }
constexpr Watts Megawatts(double v) { return Watts::FromSi(v * 1e6); }
constexpr Joules Joule(double v) { return Joules::FromSi(v); }
constexpr Joules KilowattHours(double v) { return Joules::FromSi(v * 3.6e6); }
constexpr Joules MegawattHours(double v) { return Joules::FromSi(v * 3.6e9); }
constexpr Dollars Usd(double v) { return Dollars::FromSi(v); }
constexpr DollarsPerJoule UsdPerKwh(double v) { return DollarsPerJoule::FromSi(v / 3.6e6); }

// Accessors.
constexpr double ToSeconds(Seconds t) { return t.si(); }
constexpr double ToMilliseconds(Seconds t) { return t.si() * 1e3; }
constexpr double ToMicroseconds(Seconds t) { return t.si() * 1e6; }
constexpr double ToHours(Seconds t) { return t.si() / 3600.0; }
constexpr double ToDays(Seconds t) { return t.si() / 86400.0; }
constexpr double ToBytes(Bytes b) { return b.si(); }
constexpr double ToGB(Bytes b) { return b.si() * 1e-9; }
constexpr double ToGiB(Bytes b) { return b.si() / 1073741824.0; }
constexpr double ToFlops(Flops f) { return f.si(); }
constexpr double ToGBps(BytesPerSecond b) { return b.si() * 1e-9; }
constexpr double ToTflops(FlopsPerSecond f) { return f.si() * 1e-12; }
constexpr double ToWatts(Watts w) { return w.si(); }
constexpr double ToKilowatts(Watts w) { return w.si() * 1e-3; }
constexpr double ToMegawatts(Watts w) { return w.si() * 1e-6; }
constexpr double ToJoules(Joules e) { return e.si(); }
constexpr double ToMegawattHours(Joules e) { return e.si() / 3.6e9; }
constexpr double ToUsd(Dollars d) { return d.si(); }
constexpr double ToUsdPerKwh(DollarsPerJoule p) { return p.si() * 3.6e6; }

template <int T, int B, int F, int J, int D>
constexpr Quantity<T, B, F, J, D> Max(Quantity<T, B, F, J, D> a, Quantity<T, B, F, J, D> b) {
  return a < b ? b : a;
}
template <int T, int B, int F, int J, int D>
constexpr Quantity<T, B, F, J, D> Min(Quantity<T, B, F, J, D> a, Quantity<T, B, F, J, D> b) {
  return a < b ? a : b;
}
template <int T, int B, int F, int J, int D>
inline bool IsFinite(Quantity<T, B, F, J, D> q) {
  return std::isfinite(q.si());
}

}  // namespace tokenfab

#endif  // TOKENFAB_UNITS_UNITS_H_
