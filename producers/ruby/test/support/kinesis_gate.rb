# frozen_string_literal: true

require_relative "../../lib/kinesis_jwt_pipeline/monotonic_clock"

# Wraps a Kinesis client. While a test holds the gate, PutRecords from the holding process waits (Kinesis is
# slow, as far as the app can tell); other processes, such as children forked after the hold, pass.
class KinesisGate
  include KinesisJwtPipeline::MonotonicClock

  MAX_WAIT = 30 # a test that forgets to release fails by its own deadline instead of hanging the suite

  @holder = nil

  class << self
    def hold
      @holder = Process.pid
      yield
    ensure
      @holder = nil
    end

    def held?
      @holder == Process.pid
    end
  end

  def initialize(client)
    @client = client
  end

  def put_records(**request)
    deadline = monotonic + MAX_WAIT
    sleep 0.005 while self.class.held? && monotonic < deadline
    @client.put_records(**request)
  end
end
