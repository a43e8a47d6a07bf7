# frozen_string_literal: true

require "test_helper"

class JournalTest < Minitest::Test
  def record(i, key: "k")
    KinesisJwtPipeline::Message.signed(partition_key: key, token: "token-#{i}", type: "a.b", jti: "j#{i}")
  end

  def test_append_is_durable_json_lines_and_resend_keeps_order_and_progress
    journal = KinesisJwtPipeline::Journal.new(File.join(tmpdir, "j"))
    journal.append((0...5).map { |i| record(i) })
    journal.seal
    journal.append([record(5)])
    journal.seal
    assert_equal 6, journal.depth
    line = JSON.parse(File.readlines(journal.files.first).first)
    assert_equal({ "pk" => "k", "data" => "token-0", "type" => "a.b", "jti" => "j0" }, line)

    sent = []
    calls = 0
    status = journal.resend_each(batch_size: 2, batch_bytes: 1_000_000) do |batch|
      calls += 1
      next false if calls == 3 # Kinesis fails again on the third batch

      sent.concat(batch.map(&:token))
      true
    end
    assert_equal :stopped, status
    assert_equal %w[token-0 token-1 token-2 token-3], sent
    assert_equal 2, journal.depth, "progress kept: only the unacknowledged records remain"

    status = journal.resend_each(batch_size: 2, batch_bytes: 1_000_000) { |batch| sent.concat(batch.map(&:token)) && true }
    assert_equal :done, status
    assert_equal (0...6).map { |i| "token-#{i}" }, sent
    assert_empty Dir.children(journal.dir)
  end

  def test_torn_last_line_is_not_read_as_a_record
    dir = File.join(tmpdir, "j")
    journal = KinesisJwtPipeline::Journal.new(dir)
    journal.append([record(0)])
    journal.seal
    File.open(journal.files.first, "a") { |f| f.write('{"pk":"k","da') }
    sent = []
    journal.resend_each(batch_size: 10, batch_bytes: 1_000_000) { |b| sent.concat(b.map(&:token)) && true }
    assert_equal ["token-0"], sent
  end

  def test_a_file_locked_by_another_writer_is_left_alone
    dir = File.join(tmpdir, "j")
    writer = KinesisJwtPipeline::Journal.new(dir)
    writer.append([record(0)]) # holds the lock on its open file
    other = KinesisJwtPipeline::Journal.new(dir)
    assert_equal 1, other.files.size
    refute other.pending?, "another live writer's file does not put this process in outage"
    sent = []
    assert_equal :done, other.resend_each(batch_size: 10, batch_bytes: 1_000_000) { |b| sent.concat(b) && true }
    assert_empty sent
    writer.seal
    assert other.pending?
    other.resend_each(batch_size: 10, batch_bytes: 1_000_000) { |b| sent.concat(b) && true }
    assert_equal 1, sent.size
  end
end
