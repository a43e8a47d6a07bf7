#!/usr/bin/env ruby
# frozen_string_literal: true

# The chaos run's Rails producer: the gem publishing JSON lines read from stdin as they arrive (fire and forget,
# with a spill journal), through whatever outage the run injects. At EOF it waits until nothing is queued, in
# flight or spilled (the journal resent), closes, and prints one JSON line of counts. Exit 1 if anything was
# dropped or left unsent.
#
#   ruby dev/chaos/gem-publish.rb --endpoint URL --stream S --issuer I --audience A --key JWK --journal DIR

%w[../../producers/ruby/lib ../../producers/ruby/test/support].each do |dir|
  path = File.expand_path(dir, __dir__)
  $LOAD_PATH.unshift(path) unless $LOAD_PATH.include?(path)
end

require "json"
require "optparse"
require "kinesis_jwt_pipeline"
require "kinesis_json_client"

options = { drain_timeout: 120.0 }
OptionParser.new do |o|
  o.on("--endpoint URL") { |v| options[:endpoint] = v }
  o.on("--stream NAME") { |v| options[:stream] = v }
  o.on("--issuer ISS") { |v| options[:issuer] = v }
  o.on("--audience AUD") { |v| options[:audience] = v }
  o.on("--key PATH") { |v| options[:key] = v }
  o.on("--journal DIR") { |v| options[:journal] = v }
  o.on("--drain-timeout SECONDS", Float) { |v| options[:drain_timeout] = v }
end.parse!(ARGV)

counts = Hash.new(0)
lock = Mutex.new
KinesisJwtPipeline.subscribe("acknowledged") { |_, p| lock.synchronize { counts[:acknowledged] += p[:records].size } }
KinesisJwtPipeline.subscribe("spilled") { |_, p| lock.synchronize { counts[:spilled] += p[:count].to_i } }
KinesisJwtPipeline.subscribe("journal_resent") { |_, p| lock.synchronize { counts[:resent] += p[:count].to_i } }
KinesisJwtPipeline.subscribe("dropped") { |_, p| lock.synchronize { counts[:dropped] += p[:count].to_i } }

endpoint = options.fetch(:endpoint)
KinesisJwtPipeline.configure do |c|
  c.stream_name = options.fetch(:stream)
  c.issuer = options.fetch(:issuer)
  c.audience = options.fetch(:audience)
  c.signing_key = options.fetch(:key)
  c.kinesis_client = -> { KinesisJsonClient.new(endpoint: endpoint) }
  c.journal_path = options.fetch(:journal)
  # Short, so an outage of a few seconds spills and the probe resends soon after it ends.
  c.retry_deadline = 2.0
  c.retry_max_delay = 0.5
  c.probe_interval = 1.0
  c.flush_at_exit = false
end

$stdin.each_line do |line|
  line = line.strip
  next if line.empty?

  m = JSON.parse(line)
  begin
    KinesisJwtPipeline.publish(m["type"], m["data"], partition_key: m["partition_key"], sub: m["sub"], v: m.fetch("v", 1))
  rescue KinesisJwtPipeline::QueueFullError
    # The request thread's answer to a full queue: the message was not taken, try it again shortly.
    counts[:queue_full] += 1
    sleep 0.05
    retry
  end
  counts[:published] += 1
end

deadline = Time.now + options[:drain_timeout]
loop do
  d = KinesisJwtPipeline.depth(include_journal: true)
  break if d[:queued].zero? && d[:in_worker].zero? && d[:spilled].to_i.zero? && !d[:outage]
  break if Time.now > deadline

  sleep 0.2
end
closed = KinesisJwtPipeline.close(10)
left = KinesisJwtPipeline.depth(include_journal: true)
summary = counts.merge(closed: closed, left_spilled: left[:spilled].to_i)
$stdout.puts JSON.generate(summary)
$stdout.flush
exit(closed && counts[:dropped].zero? && left[:spilled].to_i.zero? ? 0 : 1)
