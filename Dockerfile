FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && pybabel compile -d locale -D django
EXPOSE 8000
CMD ["gunicorn", "amexprog.wsgi:application", "--bind", "0.0.0.0:8000"]
