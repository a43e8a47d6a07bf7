# frozen_string_literal: true

require "test_helper"

# The gem as a Rails app would use it (module API, configure → publish → close) against the real Kinesis
# emulator: KJP_KINESIS_ENDPOINT when the local stack runs one, else a kinesis-mock started for this run.
# Records are read back with GetShardIterator/GetRecords and every one must verify.
class EndToEndTest < Minitest::Test
  def teardown
    KinesisJwtPipeline.reset!
    super
  end

  def test_published_records_land_in_kinesis_in_order_per_key_and_all_verify
    stream = KinesisMock.create_stream("e2e", shards: 4)
    KinesisJwtPipeline.configure do |c|
      c.stream_name = stream
      c.issuer = ISSUER
      c.audience = AUDIENCE
      c.signing_key = GemTestHelpers.es256_key.jwk
      c.kinesis_client = -> { KinesisJsonClient.new(endpoint: KinesisMock.endpoint) }
      c.journal_path = File.join(tmpdir, "journal")
      c.flush_at_exit = false
    end
    sent = 300.times.map do |i|
      account = "acc_#{i % 12}"
      KinesisJwtPipeline.publish("deal.stage_changed", { "dealId" => "deal_#{i}", "stage" => "won", "n" => i },
                                 partition_key: account, sub: account)
    end
    assert KinesisJwtPipeline.close(30), "everything delivered before close returned"

    records = KinesisMock.client.read_all(stream)
    assert_equal 300, records.size
    assert_operator records.map { |r| r[:shard_id] }.uniq.size, :>, 1, "spread over shards by partition key"
    v = verifier
    claims = records.map { |r| [r, v.verify(r[:data]).last] }
    assert_equal sent.sort, claims.map { |(_, c)| c["jti"] }.sort
    claims.group_by { |(r, _)| r[:partition_key] }.each do |key, list|
      ns = list.sort_by { |(r, _)| r[:sequence_number].to_i }.map { |(_, c)| c["data"]["n"] }
      assert_equal ns.sort, ns, "order kept for #{key}"
      list.each { |(_, c)| assert_equal key, c["sub"] }
    end
  end
end
