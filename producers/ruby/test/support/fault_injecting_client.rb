# frozen_string_literal: true

# Wraps a real client to kinesis-mock and decides, per call, which entries fail. Entries it fails never
# reach the emulator (as if Kinesis refused them); the others go through one real PutRecords call. Outages
# are real too: `down!` sends calls to a port where nothing listens (ECONNREFUSED).
class FaultInjectingClient
  attr_reader :calls

  def initialize(inner)
    @inner = inner
    @dead = KinesisJsonClient.new(endpoint: "http://127.0.0.1:#{KinesisMock.free_port}")
    @down = false
    @entry_faults = [] # [[remaining_calls, ->(record) { error_code or nil }]]
    @lock = Mutex.new
    @calls = []
  end

  # For the next `calls` PutRecords calls, entries for which the block returns an error code fail with it.
  def fail_entries(calls: 1, &decide)
    @lock.synchronize { @entry_faults << [calls, decide] }
    self
  end

  def down!
    @down = true
  end

  def up!
    @down = false
  end

  def put_records(stream_name:, records:)
    @calls << records.size
    return @dead.put_records(stream_name: stream_name, records: records) if @down

    decide = @lock.synchronize do
      fault = @entry_faults.first
      if fault
        fault[0] -= 1
        @entry_faults.shift if fault[0] <= 0
        fault[1]
      end
    end
    codes = records.map { |r| decide&.call(r) }
    passed = records.each_index.reject { |i| codes[i] }
    real = passed.empty? ? { records: [] } : @inner.put_records(stream_name: stream_name, records: passed.map { |i| records[i] })
    real_iter = real[:records].each
    out = records.each_index.map do |i|
      codes[i] ? { error_code: codes[i], error_message: "injected #{codes[i]}" } : real_iter.next
    end
    { failed_record_count: out.count { |r| r[:error_code] }, records: out }
  end
end
