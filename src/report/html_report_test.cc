#include "tokenfab/report/html_report.h"

#include <gtest/gtest.h>

#include "tokenfab/report/svg_chart.h"

namespace tokenfab {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(SvgChartTest, EscapesLabelsAndDrawsOnePointPerValue) {
  const std::string svg = RenderBars({"<b>", "time (s)", "s", {{"a&b", 1}, {"c", 2}}, 3.0, "cap"});
  EXPECT_EQ(Count(svg, "class=\"point bar\""), 2u);
  EXPECT_NE(svg.find("a&amp;b"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_NE(svg.find("<desc>"), std::string::npos);
  EXPECT_NE(svg.find("class=\"limit\" data-value=\"3\""), std::string::npos);
}

TEST(SvgChartTest, WaterfallBarsStartWhereThePreviousEnded) {
  // Bar i starts at the sum of bars 0..i-1; the closing total spans the whole sum (3 + 1 = 4).
  const std::string svg = RenderWaterfall({"w", "t (s)", "s", {{"a", 3}, {"b", 1}}, {}, ""});
  EXPECT_EQ(Count(svg, "class=\"point bar\""), 3u);
  EXPECT_NE(svg.find("data-label=\"total\" data-value=\"4\""), std::string::npos);
}

TEST(SvgChartTest, LogAxesSkipNonPositivePoints) {
  XyChart c{"t",  "x (B)", "y (GB/s)",
            true, true,    {{"s", {{1, 1, ""}, {0, 5, ""}, {100, 10, ""}}, true}},
            {},   false};
  EXPECT_EQ(Count(RenderXy(c), "<circle class=\"point\""), 2u);
}

TEST(HtmlReportTest, PageIsSelfContainedAndCarriesInputsAndSources) {
  HtmlPageInput in;
  in.command = "collective";
  in.args = {"--system", "dgx-h100", "--op", "all_reduce"};
  in.text = "text report";
  in.result["op"] = "all_reduce";
  in.result["provenance"] = nlohmann::json::array({"data/systems/dgx-h100.yaml"});
  nlohmann::json row;
  row["bytes"] = 1024;
  row["busbw_GBps"] = 1.5;
  row["time_us"] = 9;
  row["algo"] = "ring";
  row["proto"] = "ll";
  in.result["rows"] = nlohmann::json::array({row});
  const std::string page = RenderHtmlPage(in);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);  // nothing to fetch
  EXPECT_EQ(page.find("href="), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(Count(page, "<svg"), 2u);  // busbw and time against size
  EXPECT_NE(page.find("data/systems/dgx-h100.yaml"), std::string::npos);
  EXPECT_NE(page.find("<th>--op</th><td>all_reduce</td>"), std::string::npos);
}

TEST(HtmlReportTest, PlanChartsPutPeriodsOnAYearAxis) {
  // 2026Q1, 2026Q3 -> 0 and 0.5 years from the first period.
  HtmlPageInput in;
  in.command = "plan";
  in.result = nlohmann::json::parse(R"({"capital_usd": 2e6, "opex_usd": 1e6, "periods": [
    {"period": "2026Q1", "sites": [{"site": "va", "mw_used": 1, "mw_available": 2,
      "systems": {"dgx-h100": {"gpus": 8}}}]},
    {"period": "2026Q3", "sites": [{"site": "va", "mw_used": 2, "mw_available": 2,
      "systems": {"dgx-h100": {"gpus": 16}}}]}]})");
  const std::vector<std::string> charts = RenderCommandCharts(in);
  ASSERT_EQ(charts.size(), 3u);  // fleet mix, power by site, TCO by part
  EXPECT_NE(charts[0].find("years from 2026Q1"), std::string::npos);
  EXPECT_NE(charts[0].find("data-x=\"0.5\" data-y=\"16\""), std::string::npos);
}

TEST(HtmlReportTest, SimulatedLatencyCdfWithItsSlo) {
  HtmlPageInput in;
  in.command = "serve";
  in.args = {"--ttft-slo", "0.5"};
  in.result = nlohmann::json::parse(R"({"latency_cdf": {"percentiles": [0, 50, 100],
    "ttft_s": [0.1, 0.2, 0.4], "tpot_s": [0.01, 0.02, 0.03], "e2e_s": [1, 2, 3]}})");
  const std::vector<std::string> charts = RenderCommandCharts(in);
  ASSERT_EQ(charts.size(), 2u);  // TTFT and TPOT
  EXPECT_EQ(Count(charts[0], "<circle class=\"point\""), 3u);
  EXPECT_NE(charts[0].find("TTFT SLO"), std::string::npos);
  EXPECT_EQ(charts[1].find("SLO"), std::string::npos);  // no --tpot-slo given
}

}  // namespace
}  // namespace tokenfab
