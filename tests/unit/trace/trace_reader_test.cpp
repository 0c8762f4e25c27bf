#include <doctest/doctest.h>
#include <zstd.h>

#include <algorithm>

#include "trace_test_support.hpp"

using namespace replay;
using namespace replay::trace;
using namespace replay::trace::testing;

namespace {

constexpr const char* kHeaderLine = R"({"format":"replay-trace","version":1,"source":"hand-made"})";

std::string record_line(int i) {
  return R"({"offset_us":)" + std::to_string(i * 1000) + R"(,"method":"GET","target":"/r/)" +
         std::to_string(i) + R"("})";
}

void write_trace(const std::string& path, const std::vector<Record>& records,
                 WriterOptions options = {}) {
  auto writer = TraceWriter::create(path, sample_header(), options);
  REQUIRE(writer);
  for (const Record& r : records) REQUIRE((*writer)->write(r));
  REQUIRE((*writer)->close());
}

std::string error_context(const ReadOutcome& outcome) {
  return outcome.error ? outcome.error->context : "no error";
}

}  // namespace

TEST_CASE("every field round-trips through writer and reader") {
  std::vector<Record> records;
  Record full;
  full.offset_us = 123456789012;
  full.session = "session-\xc3\xa9";
  full.tag = "chat";
  full.method = "POST";
  full.target = "/api/v1/chat?stream=1&q=%20x";
  full.protocol = "HTTP/2";
  full.headers = {{"Content-Type", "application/json"},
                  {"X-A", "2"},
                  {"X-A", "1"},
                  {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"},
                  {"X-Empty", ""},
                  {"X-Latin1", "caf\xe9"}};
  full.body = "{\"message\":\"h\xc3\xa9llo \xf0\x9f\x98\x80\",\"n\":\"\\\"\\n\"}";
  full.body_truncated = true;
  full.captures = {{"plan_id", "json:/id"}, {"loc", "header:Location"}, {"id", "regex:id=(\\d+)"}};
  full.response = ObservedResponse{503, 1, 2, 18446744073709551615ULL, 4294967295U};
  records.push_back(full);

  Record binary;
  binary.method = "PUT";
  binary.target = "/blob";
  for (int b = 0; b < 256; ++b) binary.body += static_cast<char>(b);
  records.push_back(binary);

  Record nul_text = binary;
  nul_text.body = std::string("a\0b\x01\x1f\x7f", 6);  // valid UTF-8, control characters
  records.push_back(nul_text);

  Record bare;
  bare.method = "GET";
  bare.target = "/health/live";
  records.push_back(bare);

  Record empty_response = bare;
  empty_response.response = ObservedResponse{};
  records.push_back(empty_response);

  for (int i = 0; i < 50; ++i) records.push_back(sample_record(i));

  TempDir dir;
  std::string path = dir.file("t.zst");
  write_trace(path, records);
  auto reader = TraceReader::open(path);
  REQUIRE(reader);
  CHECK((*reader)->header() == sample_header());
  Record got;
  for (size_t i = 0; i < records.size(); ++i) {
    CAPTURE(i);
    auto more = (*reader)->next(got);
    REQUIRE(more);
    REQUIRE(*more);
    CHECK(got == records[i]);
  }
  auto end = (*reader)->next(got);
  REQUIRE(end);
  CHECK_FALSE(*end);
  CHECK((*reader)->records_read() == records.size());
  CHECK((*reader)->skipped() == 0);
  auto again = (*reader)->next(got);
  REQUIRE(again);
  CHECK_FALSE(*again);
}

TEST_CASE("the header's tokens round-trip through writer and reader; without them, unknown") {
  TempDir dir;
  for (const TokenProvenance& tokens :
       {TokenProvenance{"synth", "3c9f46e9aab08dd7", 1795435200}, TokenProvenance{},
        TokenProvenance{"synth", "", std::nullopt}, TokenProvenance{"", "", -1}}) {
    CAPTURE(tokens.minted_by);
    TraceHeader header = sample_header();
    header.tokens = tokens;
    const std::string path = dir.file("tokens.zst");
    {
      auto writer = TraceWriter::create(path, header);
      REQUIRE(writer);
      REQUIRE((*writer)->write(sample_record(1)));
      REQUIRE((*writer)->close());
    }
    auto reader = TraceReader::open(path);
    REQUIRE(reader);
    CHECK((*reader)->header() == header);
    CHECK((*reader)->header().tokens == tokens);
  }
}

TEST_CASE("a multi-frame trace reads back in order") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  auto writer = TraceWriter::create(path, sample_header(), WriterOptions{3, std::chrono::hours(1)});
  REQUIRE(writer);
  std::vector<Record> records;
  for (int i = 0; i < 500; ++i) {
    records.push_back(sample_record(i));
    REQUIRE((*writer)->write(records.back()));
    if (i % 7 == 0) REQUIRE((*writer)->flush());
  }
  REQUIRE((*writer)->close());
  auto outcome = read_all(path);
  CHECK(error_context(outcome) == "no error");
  CHECK(outcome.records == records);
}

TEST_CASE("a trace cut anywhere yields the complete records before the cut, then an error") {
  TempDir dir;
  std::string path = dir.file("full.zst");
  std::vector<Record> records;
  {
    auto writer =
        TraceWriter::create(path, sample_header(), WriterOptions{3, std::chrono::hours(1)});
    REQUIRE(writer);
    for (int i = 0; i < 300; ++i) {
      records.push_back(sample_record(i));
      REQUIRE((*writer)->write(records.back()));
      if (i % 10 == 9) REQUIRE((*writer)->flush());
    }
    REQUIRE((*writer)->close());
  }
  std::string file = read_file(path);
  // Frame ends and how many records are complete once each frame is.
  std::vector<std::pair<size_t, size_t>> frame_ends;  // (end offset, records complete)
  size_t complete = 0;
  for (size_t pos = 0; pos < file.size();) {
    size_t n = ZSTD_findFrameCompressedSize(file.data() + pos, file.size() - pos);
    REQUIRE_FALSE(ZSTD_isError(n));
    unsigned long long content = ZSTD_getFrameContentSize(file.data() + pos, n);
    std::string text(content == ZSTD_CONTENTSIZE_UNKNOWN ? 1 << 20 : content, '\0');
    size_t got = ZSTD_decompress(text.data(), text.size(), file.data() + pos, n);
    REQUIRE_FALSE(ZSTD_isError(got));
    complete += static_cast<size_t>(std::count(text.begin(), text.begin() + got, '\n'));
    pos += n;
    frame_ends.emplace_back(pos, complete - 1);  // the header line is not a record
  }
  REQUIRE(frame_ends.back().second == records.size());

  std::string cut_path = dir.file("cut.zst");
  size_t previous = 0;
  int cuts = 0;
  for (size_t cut = 0; cut < file.size(); cut += 61, ++cuts) {
    CAPTURE(cut);
    write_file(cut_path, std::string_view(file).substr(0, cut));
    auto outcome = read_all(cut_path);
    size_t in_complete_frames = 0;
    bool at_frame_end = false;
    for (auto [end, count] : frame_ends) {
      if (end <= cut) in_complete_frames = count;
      at_frame_end = at_frame_end || end == cut;
    }
    if (!outcome.opened) {
      REQUIRE(outcome.error.has_value());
      CHECK(outcome.error->code == Errc::corrupt);
      CHECK(cut < frame_ends.front().first);  // only a cut inside the header fails the open
      continue;
    }
    REQUIRE(outcome.records.size() <= records.size());
    for (size_t i = 0; i < outcome.records.size(); ++i) CHECK(outcome.records[i] == records[i]);
    CHECK(outcome.records.size() >= in_complete_frames);
    CHECK(outcome.records.size() >= previous);
    previous = outcome.records.size();
    if (at_frame_end) {
      CHECK(error_context(outcome) == "no error");
      CHECK(outcome.records.size() == in_complete_frames);
    } else {
      REQUIRE(outcome.error.has_value());
      CHECK(outcome.error->code == Errc::corrupt);
      std::string expected =
          "truncated after record " + std::to_string(outcome.records.size()) + " at byte ";
      CHECK(outcome.error->context.substr(0, expected.size()) == expected);
      CHECK(outcome.error->context.find("ends inside a frame") != std::string::npos);
    }
    // skip_bad does not hide a truncated tail.
    auto skipping = read_all(cut_path, ReaderOptions{.skip_bad = true});
    CHECK(skipping.records.size() == outcome.records.size());
    CHECK(skipping.error.has_value() == outcome.error.has_value());
  }
  CHECK(cuts > 50);
}

TEST_CASE("a corrupt record line names its record and byte offset; skip_bad reads past it") {
  std::string text = std::string(kHeaderLine) + "\n";
  for (int i = 1; i <= 4; ++i) text += record_line(i) + "\n";
  size_t bad_offset = text.size();
  text += R"({"offset_us":5000,"method":"GET","target":"/r/5)"
          "\n";  // unterminated string
  for (int i = 6; i <= 9; ++i) text += record_line(i) + "\n";
  size_t second_bad = text.size();
  text += "not json\n";
  text += record_line(11) + "\n";
  TempDir dir;
  std::string path = dir.file("t.zst");
  write_file(path, zstd_frame(text));

  auto strict = read_all(path);
  CHECK(strict.records.size() == 4);
  REQUIRE(strict.error.has_value());
  CHECK(strict.error->code == Errc::corrupt);
  CHECK(strict.error->context ==
        "record 5 at byte " + std::to_string(bad_offset) + ": unterminated string");

  auto reader = TraceReader::open(path, ReaderOptions{.skip_bad = true});
  REQUIRE(reader);
  std::vector<std::string> targets;
  Record r;
  for (;;) {
    auto more = (*reader)->next(r);
    REQUIRE(more);
    if (!*more) break;
    targets.push_back(r.target);
  }
  CHECK(targets == std::vector<std::string>{"/r/1", "/r/2", "/r/3", "/r/4", "/r/6", "/r/7", "/r/8",
                                            "/r/9", "/r/11"});
  CHECK((*reader)->records_read() == 9);
  CHECK((*reader)->skipped() == 2);
  REQUIRE((*reader)->first_skipped_error().has_value());
  CHECK((*reader)->first_skipped_error()->context ==
        "record 5 at byte " + std::to_string(bad_offset) + ": unterminated string");
  (void)second_bad;
}

TEST_CASE("byte offsets count across frames and lines of every length") {
  std::string first = std::string(kHeaderLine) + "\n" + record_line(1) + "\n";
  std::string second = record_line(2) + "\n" + std::string(3000, ' ') + record_line(3) + "\n";
  size_t bad_offset = first.size() + second.size();
  std::string third = R"({"offset_us":1,"method":"GET","target":"/","headers":[["A"]]})"
                      "\n";
  TempDir dir;
  std::string path = dir.file("t.zst");
  write_file(path, zstd_frame(first) + zstd_frame(second) + zstd_frame(third));
  auto outcome = read_all(path);
  CHECK(outcome.records.size() == 3);
  CHECK(error_context(outcome) == "record 4 at byte " + std::to_string(bad_offset) +
                                      ": field \"headers\": each header must be [name, value]");
}

TEST_CASE("a file that is not a replay trace is refused at open") {
  TempDir dir;
  auto open_error = [&](std::string_view bytes) {
    std::string path = dir.file("x");
    write_file(path, bytes);
    auto reader = TraceReader::open(path);
    REQUIRE_FALSE(reader);
    return reader.error();
  };
  Error empty = open_error("");
  CHECK(empty.code == Errc::corrupt);
  CHECK(empty.context == "empty file, not a replay trace");

  std::string garbage;
  for (int i = 0; i < 5000; ++i) garbage += static_cast<char>((i * 7919) % 251);
  Error junk = open_error(garbage);
  CHECK(junk.code == Errc::corrupt);
  CHECK(junk.context == "not a replay trace (not zstd-compressed)");

  Error plain = open_error(std::string(kHeaderLine) + "\n" + record_line(1) + "\n");
  CHECK(plain.code == Errc::corrupt);
  CHECK(plain.context.find("not zstd-compressed (plain JSON Lines?") == 0);

  Error other = open_error(zstd_frame("hello world\nsecond line\n"));
  CHECK(other.code == Errc::corrupt);
  CHECK(other.context.find("not a replay trace") == 0);

  Error nothing = open_error(zstd_frame(""));
  CHECK(nothing.code == Errc::corrupt);
  CHECK(nothing.context == "not a replay trace: no header line");

  Error newer = open_error(zstd_frame(R"({"format":"replay-trace","version":3})"
                                      "\n" +
                                      record_line(1) + "\n"));
  CHECK(newer.code == Errc::unsupported);
  CHECK(newer.context == "trace format version 3 is newer than this build reads (versions 1 to 2)");

  Error zstd_magic_then_junk = open_error(std::string("\x28\xb5\x2f\xfd", 4) + garbage);
  CHECK(zstd_magic_then_junk.code == Errc::corrupt);
  CHECK(zstd_magic_then_junk.context.find("undecodable zstd data in the header: ") == 0);

  std::string endless(2 << 20, 'a');
  Error long_header = open_error(zstd_frame(endless));
  CHECK(long_header.code == Errc::corrupt);
  CHECK(long_header.context.find("header at byte 0: line longer than") == 0);
}

TEST_CASE("missing files and directories are refused with the system's reason") {
  auto missing = TraceReader::open("/nonexistent-dir/t.zst");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
  CHECK(missing.error().context == "No such file or directory");
  TempDir dir;
  auto directory = TraceReader::open(dir.file(""));
  REQUIRE_FALSE(directory);
  CHECK(directory.error().code == Errc::io);
  CHECK(directory.error().context == "Is a directory");
}

TEST_CASE("flipped bits in the compressed data give an error, never a crash") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  std::vector<Record> records;
  for (int i = 0; i < 200; ++i) records.push_back(sample_record(i));
  write_trace(path, records, WriterOptions{3, std::chrono::hours(1)});
  std::string file = read_file(path);
  std::string bad_path = dir.file("bad.zst");
  int errors = 0;
  for (size_t pos = 0; pos < file.size(); pos += 37) {
    std::string bad = file;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
    write_file(bad_path, bad);
    auto outcome = read_all(bad_path);
    // The frame checksum catches what the decoder and the parser do not.
    REQUIRE(outcome.error.has_value());
    CHECK((outcome.error->code == Errc::corrupt || outcome.error->code == Errc::unsupported));
    ++errors;
  }
  CHECK(errors > 10);
}

TEST_CASE("blank lines are ignored and a final line may lack its newline") {
  std::string text =
      std::string(kHeaderLine) + "\n\n" + record_line(1) + "\n  \r\n" + record_line(2);
  TempDir dir;
  std::string path = dir.file("t.zst");
  write_file(path, zstd_frame(text));
  auto outcome = read_all(path);
  CHECK(error_context(outcome) == "no error");
  REQUIRE(outcome.records.size() == 2);
  CHECK(outcome.records[1].target == "/r/2");
}

TEST_CASE("lines longer than the read buffer are read whole") {
  TempDir dir;
  std::string path = dir.file("t.zst");
  std::vector<Record> records;
  for (int i = 0; i < 3; ++i) {
    Record r = sample_record(i);
    r.body.assign(size_t{3} << 20, static_cast<char>('a' + i));  // 3 MiB, beyond the 1 MiB buffer
    records.push_back(r);
    records.push_back(sample_record(i + 10));
  }
  write_trace(path, records);
  auto outcome = read_all(path);
  CHECK(error_context(outcome) == "no error");
  CHECK(outcome.records == records);

  auto limited = read_all(path, ReaderOptions{.max_line_bytes = 1 << 20});
  CHECK(limited.records.empty());
  CHECK(error_context(limited).find("record 1 at byte ") == 0);
  CHECK(error_context(limited).find("line longer than 1048576 bytes") != std::string::npos);
}

TEST_CASE("after an error next() keeps returning it") {
  std::string text = std::string(kHeaderLine) + "\n" + "{bad\n" + record_line(2) + "\n";
  TempDir dir;
  std::string path = dir.file("t.zst");
  write_file(path, zstd_frame(text));
  auto reader = TraceReader::open(path);
  REQUIRE(reader);
  Record r;
  auto first = (*reader)->next(r);
  REQUIRE_FALSE(first);
  auto second = (*reader)->next(r);
  REQUIRE_FALSE(second);
  CHECK(second.error().context == first.error().context);
  CHECK((*reader)->records_read() == 0);
}

namespace {

// A hand-made trace of kHeaderLine and `lines`; the offsets of each line in `offsets`.
std::string write_lines(TempDir& dir, const std::vector<std::string>& lines,
                        std::vector<size_t>* offsets = nullptr) {
  std::string text = std::string(kHeaderLine) + "\n";
  for (const auto& line : lines) {
    if (offsets) offsets->push_back(text.size());
    text += line + "\n";
  }
  std::string path = dir.file("t.zst");
  write_file(path, zstd_frame(text));
  return path;
}

}  // namespace

TEST_CASE("a record whose target or header would split the request names record and byte") {
  TempDir dir;
  std::vector<size_t> offsets;
  const std::string path = write_lines(
      dir,
      {record_line(1),
       R"({"offset_us":2000,"method":"GET","target":"/r/2","headers":[["X-A","1\r\nX-B: 2"]]})",
       record_line(3)},
      &offsets);
  auto strict = read_all(path);
  CHECK(strict.records.size() == 1);
  CHECK(error_context(strict) ==
        "record 2 at byte " + std::to_string(offsets[1]) +
            ": field \"headers[0]\": value of \"X-A\" contains CR (byte 1)");
  auto skipping = read_all(path, ReaderOptions{.skip_bad = true});
  CHECK(error_context(skipping) == "no error");
  CHECK(skipping.records.size() == 2);

  const std::string empty = write_lines(dir, {R"({"offset_us":0,"method":"GET","target":""})"});
  CHECK(error_context(read_all(empty)) == "record 1 at byte 59: field \"target\": is empty");
}

TEST_CASE("a {{capture}} no earlier record of its session defines is a load error") {
  const std::string define = R"({"offset_us":0,"session":"s-1","method":"POST","target":"/plans",)"
                             R"("captures":[{"name":"plan_id","source":"json:/id"}]})";
  const std::string use_target =
      R"({"offset_us":10,"session":"s-1","method":"GET","target":"/plans/{{plan_id}}"})";
  TempDir dir;
  SUBCASE("defined earlier in the session: fine, in target, header and body") {
    auto outcome = read_all(write_lines(
        dir, {define, use_target,
              R"({"offset_us":20,"session":"s-1","method":"PUT","target":"/p",)"
              R"("headers":[["X-Plan","{{plan_id}}"]],"body":"{\"id\":\"{{plan_id}}\"}"})"}));
    CHECK(error_context(outcome) == "no error");
    CHECK(outcome.records.size() == 3);
  }
  SUBCASE("used before it is defined") {
    std::vector<size_t> offsets;
    auto outcome = read_all(write_lines(dir, {use_target, define}, &offsets));
    CHECK(outcome.records.empty());
    CHECK(error_context(outcome) ==
          "record 1 at byte " + std::to_string(offsets[0]) +
              ": field \"target\": capture 'plan_id' is not defined by an earlier record of "
              "session 's-1'");
  }
  SUBCASE("defined by the same record (its own response) does not count") {
    auto outcome = read_all(
        write_lines(dir, {R"({"offset_us":0,"session":"s-1","method":"GET","target":"/x?{{id}}",)"
                          R"("captures":[{"name":"id","source":"json:/id"}]})"}));
    CHECK(error_context(outcome).find("capture 'id' is not defined") != std::string::npos);
  }
  SUBCASE("defined by another session") {
    auto outcome = read_all(
        write_lines(dir, {define, R"({"offset_us":10,"session":"s-2","method":"GET","target":"/p",)"
                                  R"("body":"{{plan_id}}"})"}));
    CHECK(outcome.records.size() == 1);
    CHECK(error_context(outcome).find("record 2 at byte ") == 0);
    CHECK(error_context(outcome).find("field \"body\": capture 'plan_id' is not defined by an "
                                      "earlier record of session 's-2'") != std::string::npos);
  }
  SUBCASE("in a header, outside any session") {
    auto outcome = read_all(write_lines(
        dir,
        {R"({"offset_us":0,"method":"GET","target":"/","headers":[["A","x"],["B","{{t}}"]]})"}));
    CHECK(error_context(outcome).find("field \"headers[1]\": capture 't' is used by a record with "
                                      "no session") != std::string::npos);
  }
  SUBCASE("skip_bad skips the record that uses it") {
    auto outcome = read_all(write_lines(dir, {use_target, define, use_target}),
                            ReaderOptions{.skip_bad = true});
    CHECK(error_context(outcome) == "no error");
    CHECK(outcome.records.size() == 2);
  }
}

TEST_CASE("the documented line limit is 64 MiB") {
  CHECK(ReaderOptions{}.max_line_bytes == size_t{64} << 20);
  TempDir dir;
  std::string line = R"({"offset_us":0,"method":"POST","target":"/","body":")";
  line.append((size_t{64} << 20) + 1 - line.size(), 'a');
  line += "\"}";
  std::vector<size_t> offsets;
  auto outcome = read_all(write_lines(dir, {record_line(1), line}, &offsets));
  CHECK(outcome.records.size() == 1);
  CHECK(error_context(outcome) == "record 2 at byte " + std::to_string(offsets[1]) +
                                      ": line longer than 67108864 bytes (64 MiB)");
}
